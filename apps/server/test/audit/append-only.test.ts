import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createFastClinic,
  startTestApp,
  type TestApp,
  type TestClinic,
} from '../support/harness.js';
import { rawSql, readTraffic, verifyOverHttp } from './support.js';

let t: TestApp;
let clinic: TestClinic;
beforeAll(async () => {
  // On PostgreSQL the app serves as a least-privilege role, and the statements below run as
  // the schema owner: the trigger holds even for the owner. The role's own refusals are in
  // test/platform/app-role.test.ts.
  t = await startTestApp({}, { appRole: true });
  clinic = await createFastClinic(t);
  const { admin } = await readTraffic(t, clinic, 1);
  await verifyOverHttp(t, admin);
}, 60_000);
afterAll(async () => {
  await t.close();
});

const TABLES = ['audit_events', 'audit_chain', 'audit_checkpoints'] as const;

describe('the audit tables are append-only, even for their owner', () => {
  for (const table of TABLES) {
    it(`refuses an UPDATE on ${table}`, async () => {
      const column = table === 'audit_events' ? 'action' : 'hash';
      await expect(
        rawSql(t, clinic.tenant, `update $S.${table} set ${column} = ${column}`),
      ).rejects.toThrow(/append-only/);
    });

    it(`refuses a DELETE on ${table}`, async () => {
      await expect(rawSql(t, clinic.tenant, `delete from $S.${table}`)).rejects.toThrow(
        /append-only/,
      );
    });

    it(`refuses a TRUNCATE of ${table}`, async () => {
      await expect(rawSql(t, clinic.tenant, `truncate $S.${table} cascade`)).rejects.toThrow(
        /append-only/,
      );
    });
  }

  it('keeps every row after the refused attempts', async () => {
    const [events] = await rawSql<{ count: string }>(
      t,
      clinic.tenant,
      `select count(*)::text as count from $S.audit_events`,
    );
    expect(Number(events?.count)).toBeGreaterThan(3);
  });
});
