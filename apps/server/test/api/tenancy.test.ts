import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createAccount,
  createFastClinic,
  errorCode,
  ORIGIN,
  signIn,
  startTestApp,
  type TestApp,
} from '../support/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('tenant isolation of accounts and sessions', () => {
  it('answers an admin of another clinic with 404 for every act on this clinic’s staff, and changes nothing', async () => {
    const clinic = await createFastClinic(t);
    const nurse = await clinic.staff('nurse');
    const otherClinic = await createFastClinic(t);
    const intruder = await otherClinic.staff('admin');
    const headers = { ...bearer(intruder), origin: ORIGIN };

    const responses = await Promise.all([
      t.app.inject({
        method: 'PATCH',
        url: `/api/v1/staff/${nurse.id}`,
        headers,
        payload: { status: 'deactivated' },
      }),
      t.app.inject({
        method: 'POST',
        url: `/api/v1/staff/${nurse.id}/sessions/revoke-all`,
        headers,
      }),
      t.app.inject({ method: 'POST', url: `/api/v1/staff/${nurse.id}/mfa/reset`, headers }),
      t.app.inject({ method: 'POST', url: `/api/v1/staff/${nurse.id}/unlock`, headers }),
    ]);

    expect(responses.map((r) => r.statusCode)).toEqual([404, 404, 404, 404]);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(nurse) })).statusCode,
    ).toBe(200);
  });

  it('does not list another clinic’s staff to an admin', async () => {
    const clinic = await createFastClinic(t);
    const nurse = await clinic.staff('nurse');
    const otherClinic = await createFastClinic(t);
    const admin = await otherClinic.staff('admin');

    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/staff',
      headers: bearer(admin),
    });

    const ids = response.json<{ items: { id: string }[] }>().items.map((member) => member.id);
    expect(ids).toEqual([admin.id]);
    expect(ids).not.toContain(nurse.id);
  });

  it('does not let a user of another clinic revoke this clinic’s session by its id', async () => {
    const clinic = await createFastClinic(t);
    const account = await createAccount(t, clinic, 'clerk');
    const victim = await signIn(t, clinic.tenant.code, account.email);
    const otherClinic = await createFastClinic(t);
    const intruder = await otherClinic.staff('clerk');
    const sessionId = String(decodeJwt(victim.accessToken).sid);

    const response = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/auth/sessions/${sessionId}`,
      headers: { ...bearer(intruder), origin: ORIGIN },
    });

    expect(response.statusCode).toBe(404);
    expect(errorCode(response)).toBe('not_found');
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: '/api/v1/me',
          headers: bearer({ token: victim.accessToken }),
        })
      ).statusCode,
    ).toBe(200);
  });

  it('keeps a token of one clinic from reading another clinic’s patient list', async () => {
    const clinic = await createFastClinic(t);
    const clerk = await clinic.staff('clerk');
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/patients',
      headers: bearer(clerk),
      payload: {
        familyName: '隔離',
        givenName: '一郎',
        familyNameKana: 'カクリ',
        givenNameKana: 'イチロウ',
        birthDate: '1960-02-03',
        sex: 'male',
      },
    });
    const otherClinic = await createFastClinic(t);
    const otherClerk = await otherClinic.staff('clerk');

    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/patients',
      headers: bearer(otherClerk),
    });

    expect(response.statusCode).toBe(200);
    expect(response.json<{ items: unknown[] }>().items).toEqual([]);
  });
});
