import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createAccount,
  createClinic,
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

const headersOf = (staff: { token: string }) => ({ ...bearer(staff), origin: ORIGIN });

describe('staff administration', () => {
  it('ends every session of a deactivated member at once, and refuses their login', async () => {
    const clinic = await createClinic(t);
    const admin = await clinic.staff('admin');
    const account = await createAccount(t, clinic, 'nurse');
    const session = await signIn(t, clinic.tenant.code, account.email);

    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/staff/${account.id}`,
      headers: headersOf(admin),
      payload: { status: 'deactivated' },
    });
    const me = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${session.accessToken}` },
    });
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { origin: ORIGIN },
      payload: {
        tenant: clinic.tenant.code,
        email: account.email,
        password: 'correct-horse-battery-9',
      },
    });

    expect(patch.statusCode).toBe(200);
    expect(me.statusCode).toBe(401);
    expect(login.statusCode).toBe(401);
  });

  it('ends the sessions of a member whose role changes, so the old role cannot act', async () => {
    const clinic = await createClinic(t);
    const admin = await clinic.staff('admin');
    const other = await clinic.staff('admin');

    const first = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/staff/${other.id}`,
      headers: headersOf(admin),
      payload: { role: 'doctor' },
    });
    const last = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/staff/${admin.id}`,
      headers: headersOf(other),
      payload: { status: 'deactivated' },
    });

    expect(first.statusCode).toBe(200);
    // `other` is a doctor now, and the role change ended their sessions: the admin token is dead.
    expect(last.statusCode).toBe(401);
  });

  it('refuses to demote the only admin, with a clear code', async () => {
    const clinic = await createClinic(t);
    const admin = await clinic.staff('admin');
    const second = await clinic.staff('admin');
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/staff/${second.id}`,
      headers: headersOf(admin),
      payload: { status: 'deactivated' },
    });

    const demote = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/staff/${admin.id}`,
      headers: headersOf(admin),
      payload: { role: 'clerk' },
    });
    const rows = await t.db.control
      .selectFrom('users')
      .select('role')
      .where('id', '=', admin.id)
      .execute();

    expect(demote.statusCode).toBe(403);
    expect(rows).toEqual([{ role: 'admin' }]);
  });

  it('answers 409 last_admin when another admin would remove the last one', async () => {
    const clinic = await createClinic(t);
    const keeper = await clinic.staff('admin');
    const leaver = await clinic.staff('admin');
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/staff/${keeper.id}`,
      headers: headersOf(leaver),
      payload: { status: 'deactivated' },
    });
    // keeper is gone; leaver is the only active admin. A direct update through the service
    // (as another admin would) must refuse.
    const before = await t.services.accounts.findById(clinic.tenant.id, leaver.id);
    if (before === null) throw new Error('missing admin');

    await expect(
      t.services.accounts.update(clinic.tenant.id, before, { role: 'doctor' }, keeper.id),
    ).rejects.toMatchObject({ code: 'last_admin' });
  });

  it('creates a member whose temporary password must be changed first, audited with before and after', async () => {
    const clinic = await createClinic(t);
    const admin = await clinic.staff('admin');

    const create = await t.app.inject({
      method: 'POST',
      url: '/api/v1/staff',
      headers: headersOf(admin),
      payload: {
        email: 'new.doctor@clinic.example',
        displayName: '新 医師',
        role: 'doctor',
        temporaryPassword: 'temporary-passphrase-81',
      },
    });
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { origin: ORIGIN },
      payload: {
        tenant: clinic.tenant.code,
        email: 'new.doctor@clinic.example',
        password: 'temporary-passphrase-81',
      },
    });
    const events = await t.services.tenants
      .handle(clinic.tenant)
      .db.selectFrom('audit_events')
      .select(['action', 'details'])
      .where('action', '=', 'staff.create')
      .execute();

    expect(create.statusCode).toBe(201);
    expect(login.json<{ status: string }>().status).toBe('password_change_required');
    expect(events[0]?.details).toMatchObject({ after: { role: 'doctor', status: 'active' } });
  });

  it('is refused to a clerk', async () => {
    const clinic = await createClinic(t);
    const clerk = await clinic.staff('clerk');

    const list = await t.app.inject({
      method: 'GET',
      url: '/api/v1/staff',
      headers: headersOf(clerk),
    });

    expect(list.statusCode).toBe(403);
  });
});
