import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createAccount,
  createFastClinic,
  ORIGIN,
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

interface Directory {
  items: { id: string; displayName: string; role: string }[];
  nextCursor: string | null;
}

describe('the staff directory', () => {
  it('lists the active doctors and nurses with id, name and role only', async () => {
    const clinic = await createFastClinic(t);
    const clerk = await clinic.staff('clerk');
    const doctor = await createAccount(t, clinic, 'doctor');
    const nurse = await createAccount(t, clinic, 'nurse');
    const gone = await createAccount(t, clinic, 'nurse');
    const admin = await clinic.staff('admin');
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/staff/${gone.id}`,
      headers: { ...bearer(admin), origin: ORIGIN },
      payload: { status: 'deactivated' },
    });

    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/staff/directory',
      headers: bearer(clerk),
    });
    const { items } = response.json<Directory>();

    expect(response.statusCode).toBe(200);
    expect(items.map((item) => item.id).sort()).toEqual([doctor.id, nurse.id].sort());
    expect(items.map((item) => Object.keys(item).sort())).toEqual([
      ['displayName', 'id', 'role'],
      ['displayName', 'id', 'role'],
    ]);
  });

  it('pages with a cursor, every member once', async () => {
    const clinic = await createFastClinic(t);
    const doctor = await clinic.staff('doctor');
    const others = [];
    for (let i = 0; i < 4; i += 1) others.push(await createAccount(t, clinic, 'nurse'));

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '' : `&cursor=${cursor}`;
      const response = await t.app.inject({
        method: 'GET',
        url: `/api/v1/staff/directory?limit=2${query}`,
        headers: bearer(doctor),
      });
      const page = response.json<Directory>();
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);

    expect(pages).toBe(3);
    expect(seen.sort()).toEqual([doctor.id, ...others.map((o) => o.id)].sort());
  });
});
