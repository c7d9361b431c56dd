import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createFastClinic,
  createPatient,
  errorCode,
  startTestApp,
  type Staff,
  type TestApp,
} from '../support/harness.js';
import { rawSql } from './support.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { appRole: true });
});
afterAll(async () => {
  await t.close();
});

/** `count` reads of one patient at once, as a busy clinic's screens would send them. */
function burst(clerk: Staff, patientId: string, count: number) {
  return Promise.all(
    Array.from({ length: count }, () =>
      t.app.inject({
        method: 'GET',
        url: `/api/v1/patients/${patientId}`,
        headers: bearer(clerk),
      }),
    ),
  );
}

// Reads are audited in shared inserts (modules/audit/batcher.ts): grouping must neither lose nor
// merge events, and a group that cannot be stored must fail every read in it.
describe('audited reads that arrive together', () => {
  it('records each read of a burst as its own event, with its own request id', async () => {
    const clinic = await createFastClinic(t);
    const clerk = await clinic.staff('clerk');
    const patient = await createPatient(t, clerk);

    const answers = await burst(clerk, patient.id, 30);

    expect(answers.map((a) => a.statusCode)).toEqual(Array(30).fill(200));
    const events = await rawSql<{ request_id: string; actor_id: string; patient_id: string }>(
      t,
      clinic.tenant,
      `select request_id, actor_id::text, patient_id::text from $S.audit_events
        where action = 'patient.read'`,
    );
    expect(events).toHaveLength(30);
    expect(new Set(events.map((e) => e.request_id)).size).toBe(30);
    expect(new Set(events.map((e) => `${e.actor_id} ${e.patient_id}`))).toEqual(
      new Set([`${clerk.id} ${patient.id}`]),
    );
  });

  it('fails every read whose events cannot be stored, and serves again once they can', async () => {
    const clinic = await createFastClinic(t);
    const clerk = await clinic.staff('clerk');
    const patient = await createPatient(t, clerk);
    // The audit table refuses read events, as a full disk or a broken table would.
    await rawSql(
      t,
      clinic.tenant,
      `alter table $S.audit_events add constraint refuse_reads
        check (action <> 'patient.read') not valid`,
    );

    const refused = await burst(clerk, patient.id, 10);
    await rawSql(t, clinic.tenant, `alter table $S.audit_events drop constraint refuse_reads`);
    const served = await burst(clerk, patient.id, 3);

    expect(refused.map((a) => [a.statusCode, errorCode(a)])).toEqual(
      Array(10).fill([500, 'internal_error']),
    );
    expect(served.map((a) => a.statusCode)).toEqual([200, 200, 200]);
    const [stored] = await rawSql<{ n: number }>(
      t,
      clinic.tenant,
      `select count(*)::int as n from $S.audit_events where action = 'patient.read'`,
    );
    expect(stored?.n).toBe(3);
  });
});
