import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createFastClinic,
  createPatient,
  errorCode,
  patientBody,
  startTestApp,
  type Staff,
  type TestApp,
} from '../support/harness.js';
import { rawSql } from './support.js';

interface Item {
  id: string;
  seq: number;
  occurredAt: string;
  actorId: string | null;
  actorRole: string;
  action: string;
  outcome: string;
  severity: string;
  patientId: string | null;
  requestId: string | null;
  clientIp: string | null;
  reason: string | null;
}
interface Page {
  items: Item[];
  nextCursor: string | null;
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { appRole: true });
});
afterAll(async () => {
  await t.close();
});

async function auditPage(admin: Staff, query: Record<string, string> = {}): Promise<Page> {
  const response = await t.app.inject({
    method: 'GET',
    url: '/api/v1/audit',
    query,
    headers: bearer(admin),
  });
  if (response.statusCode !== 200) throw new Error(`audit list failed: ${response.body}`);
  return response.json<Page>();
}

async function read(staff: Staff, patientId: string) {
  return t.app.inject({
    method: 'GET',
    url: `/api/v1/patients/${patientId}`,
    headers: bearer(staff),
  });
}

describe('GET /api/v1/audit', () => {
  it('lists events newest first with who, from where, in which request', async () => {
    const clinic = await createFastClinic(t);
    const clerk = await clinic.staff('clerk');
    const admin = await clinic.staff('admin');
    const patient = await createPatient(t, clerk);
    await read(clerk, patient.id);

    const { items } = await auditPage(admin, { action: 'patient.read' });

    expect(items).toEqual([
      expect.objectContaining({
        actorId: clerk.id,
        actorRole: 'clerk',
        outcome: 'success',
        severity: 'info',
        patientId: patient.id,
        requestId: expect.any(String) as string,
        clientIp: '127.0.0.1',
        reason: null,
      }),
    ]);
    const all = (await auditPage(admin)).items.map((item) => item.seq);
    expect(all).toEqual([...all].sort((a, b) => b - a));
  });

  it('filters by actor, patient, action, outcome and time range', async () => {
    const clinic = await createFastClinic(t);
    const clerk = await clinic.staff('clerk');
    const doctor = await clinic.staff('doctor');
    const admin = await clinic.staff('admin');
    const first = await createPatient(t, clerk);
    const second = await createPatient(t, clerk);
    await read(clerk, first.id);
    await read(clerk, second.id);
    await read(doctor, first.id); // out of care: denied

    const byActor = await auditPage(admin, { actorId: doctor.id, action: 'patient.read' });
    const byPatient = await auditPage(admin, { patientId: second.id });
    const denied = await auditPage(admin, { outcome: 'denied' });
    const future = await auditPage(admin, { from: new Date(Date.now() + 60_000).toISOString() });
    const past = await auditPage(admin, { to: '2020-01-01T00:00:00Z' });

    expect(byActor.items.map((i) => [i.actorId, i.outcome])).toEqual([[doctor.id, 'denied']]);
    expect(byPatient.items.map((i) => i.action).sort()).toEqual(['patient.create', 'patient.read']);
    expect(denied.items.map((i) => i.patientId)).toEqual([first.id]);
    expect(future.items).toEqual([]);
    expect(past.items).toEqual([]);
  });

  it('pages with an opaque cursor, without repeats or holes', async () => {
    const clinic = await createFastClinic(t);
    const clerk = await clinic.staff('clerk');
    const admin = await clinic.staff('admin');
    const patient = await createPatient(t, clerk);
    for (let i = 0; i < 5; i += 1) await read(clerk, patient.id);

    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await auditPage(admin, {
        action: 'patient.read',
        limit: '2',
        ...(cursor === null ? {} : { cursor }),
      });
      seen.push(...page.items.map((item) => item.seq));
      cursor = page.nextCursor;
    } while (cursor !== null);

    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
  });

  it('refuses a cursor it did not issue with a 400 on the cursor field', async () => {
    const clinic = await createFastClinic(t);
    const admin = await clinic.staff('admin');

    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/audit?cursor=bm90LWEtY3Vyc29y',
      headers: bearer(admin),
    });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { fields: [{ path: '/cursor' }] } });
  });

  it('shows a break-the-glass reason to the admin, at high severity, stored encrypted', async () => {
    const clinic = await createFastClinic(t);
    const clerk = await clinic.staff('clerk');
    const doctor = await clinic.staff('doctor');
    const admin = await clinic.staff('admin');
    const patient = await createPatient(t, clerk);
    const reason = '救急搬送、意識障害のため既往歴の確認が必要';
    await t.app.inject({
      method: 'POST',
      url: `/api/v1/patients/${patient.id}/break-glass`,
      headers: bearer(doctor),
      payload: { reason },
    });

    const { items } = await auditPage(admin, { action: 'break_glass.open' });
    const stored = await rawSql<{ reason: string; details: unknown }>(
      t,
      clinic.tenant,
      `select reason, details from $S.audit_events where action = 'break_glass.open'`,
    );

    expect(items).toMatchObject([{ actorId: doctor.id, severity: 'high', reason }]);
    expect(JSON.stringify(stored)).not.toContain(reason);
    expect(stored[0]?.reason).toMatch(/^mc1\./);
  });

  it('records that an admin read the audit log', async () => {
    const clinic = await createFastClinic(t);
    const admin = await clinic.staff('admin');
    await auditPage(admin);

    const { items } = await auditPage(admin, { action: 'audit.read' });

    expect(items.length).toBeGreaterThanOrEqual(1);
    expect(items[0]).toMatchObject({ actorId: admin.id, actorRole: 'admin' });
  });

  for (const role of ['clerk', 'doctor', 'nurse', 'patient'] as const) {
    it(`answers 403 to a ${role}, for the log and its verification`, async () => {
      const clinic = await createFastClinic(t);
      const clerk = await clinic.staff('clerk');
      const patientId = role === 'patient' ? (await createPatient(t, clerk)).id : undefined;
      const caller = await clinic.staff(role, patientId === undefined ? {} : { patientId });

      const list = await t.app.inject({
        method: 'GET',
        url: '/api/v1/audit',
        headers: bearer(caller),
      });
      const verify = await t.app.inject({
        method: 'GET',
        url: '/api/v1/audit/verify',
        headers: bearer(caller),
      });

      expect([list.statusCode, errorCode(list)]).toEqual([403, 'forbidden']);
      expect([verify.statusCode, errorCode(verify)]).toEqual([403, 'forbidden']);
    });
  }
});

describe('a request whose audit event cannot be written', () => {
  it('fails with a 500 in the standard error shape and changes nothing', async () => {
    const clinic = await createFastClinic(t);
    const clerk = await clinic.staff('clerk');
    const patient = await createPatient(t, clerk, { phone: '0300000000' });
    // The audit table refuses this one action, as a full disk or a broken table would.
    await rawSql(
      t,
      clinic.tenant,
      `alter table $S.audit_events add constraint refuse_updates
        check (action <> 'patient.update') not valid`,
    );

    const update = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/patients/${patient.id}`,
      headers: { ...bearer(clerk), 'if-match': '"1"' },
      payload: patientBody({ phone: '0399999999' }),
    });
    const after = await read(clerk, patient.id);

    expect(update.statusCode).toBe(500);
    expect(update.json()).toEqual({
      error: {
        code: 'internal_error',
        message: 'Something went wrong on our side.',
        requestId: expect.any(String) as string,
      },
    });
    expect(after.json()).toMatchObject({ version: 1, phone: '0300000000' });
  });
});
