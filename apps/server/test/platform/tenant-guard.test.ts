import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrossTenantQueryError } from '../../src/platform/db/tenant-guard.js';
import { createClinic, startTestApp, type TestApp } from '../support/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('the second barrier between tenants', () => {
  it('refuses a tenant handle’s query that names another tenant’s schema', async () => {
    const mine = await createClinic(t);
    const theirs = await createClinic(t);
    const handle = t.services.tenants.handle(mine.tenant);

    const attempt = handle.db
      .withSchema(theirs.tenant.schemaName)
      .selectFrom('patients')
      .selectAll()
      .execute();

    await expect(attempt).rejects.toBeInstanceOf(CrossTenantQueryError);
  });

  it('refuses it inside a transaction too, and in a join', async () => {
    const mine = await createClinic(t);
    const theirs = await createClinic(t);
    const handle = t.services.tenants.handle(mine.tenant);

    const theirCareTeam = `${theirs.tenant.schemaName}.care_team` as 'care_team';

    const attempt = handle.transaction((trx) =>
      trx
        .selectFrom('patients')
        .innerJoin(theirCareTeam, 'care_team.patient_id', 'patients.id')
        .selectAll()
        .execute(),
    );

    await expect(attempt).rejects.toBeInstanceOf(CrossTenantQueryError);
  });

  it('lets the handle’s own queries through', async () => {
    const mine = await createClinic(t);
    const handle = t.services.tenants.handle(mine.tenant);

    const rows = await handle.db
      .selectFrom('patients')
      .innerJoin('care_team', 'care_team.patient_id', 'patients.id')
      .select('patients.id')
      .where('care_team.staff_id', '=', crypto.randomUUID())
      .execute();

    expect(rows).toEqual([]);
  });
});
