import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExpiredEvents, type PurgeResult } from '../../src/modules/audit/purge.js';
import type { Tenant } from '../../src/modules/tenants/service.js';
import {
  createFastClinic,
  startTestApp,
  type TestApp,
  type TestClinic,
} from '../support/harness.js';
import { backdatedEvents, rawSql, readTraffic, tamper } from './support.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { appRole: true });
});
afterAll(async () => {
  await t.close();
});

/** What the operator's `audit purge` does, with the app's retention (the default, 5 years). */
function purge(tenant: Tenant, dryRun = false): Promise<PurgeResult> {
  return purgeExpiredEvents(
    t.services.tenants.handle(tenant),
    t.db.forTenantAsOwner(tenant.id, tenant.schemaName),
    t.platform.keys,
    { ...t.config.audit, dryRun },
  );
}

const verify = (tenant: Tenant) => t.services.auditChainer.verify(tenant);

async function count(tenant: Tenant, where = 'true'): Promise<number> {
  const [row] = await rawSql<{ n: number }>(
    t,
    tenant,
    `select count(*)::int as n from $S.audit_events where ${where}`,
  );
  return row?.n ?? 0;
}

async function positions(tenant: Tenant, table: 'audit_chain' | 'audit_checkpoints') {
  const rows = await rawSql<{ p: number }>(
    t,
    tenant,
    `select position::int as p from $S.${table} order by position`,
  );
  return rows.map((row) => row.p);
}

/**
 * Six events of six years ago, linked and signed (the clinic's first checkpoint, at position
 * 6); four more of six years ago linked after it with no checkpoint of their own yet; then
 * today's traffic. Retention (5 years) has passed for positions 1-10, but the trail can only be
 * cut at a signed checkpoint: at 6.
 */
async function expiredTrail(): Promise<TestClinic> {
  const clinic = await createFastClinic(t);
  await backdatedEvents(t, clinic.tenant, 6);
  await verify(clinic.tenant);
  await backdatedEvents(t, clinic.tenant, 4);
  await verify(clinic.tenant);
  await readTraffic(t, clinic, 2);
  return clinic;
}

describe('audit purge after the retention period', () => {
  it('removes exactly the expired events up to the signed checkpoint before the first kept one', async () => {
    const { tenant } = await expiredTrail();
    const before = await count(tenant);

    const result = await purge(tenant);

    expect(result).toMatchObject({
      status: 'purged',
      expired: 10,
      range: { anchor: { position: 6 }, events: 6, fromSeq: 1, toSeq: 6 },
    });
    // Positions 7-10 are past retention too, but no signed checkpoint follows them yet.
    expect(await count(tenant, `action = 'test.old'`)).toBe(4);
    expect(await count(tenant, 'seq <= 6')).toBe(0);
    expect(await count(tenant)).toBe(before - 6 + 1);
    expect((await positions(tenant, 'audit_chain'))[0]).toBe(6);
    expect(await positions(tenant, 'audit_checkpoints')).toEqual([6]);
  });

  it('records the purge itself: range, count and the operator', async () => {
    const { tenant } = await expiredTrail();

    await purge(tenant);

    const [event] = await rawSql<{ actor_role: string; actor_id: string | null; details: unknown }>(
      t,
      tenant,
      `select actor_role, actor_id, details from $S.audit_events where action = 'audit.purge'`,
    );
    expect(event).toMatchObject({
      actor_role: 'operator',
      actor_id: null,
      details: { anchorPosition: 6, fromSeq: 1, toSeq: 6, events: 6, retentionYears: 5 },
    });
  });

  it('verifies what remains from the anchor checkpoint, the purge event included', async () => {
    const { tenant } = await expiredTrail();
    const remaining = (await count(tenant)) - 6 + 1;

    await purge(tenant);
    const report = await verify(tenant);

    expect(report).toMatchObject({
      status: 'intact',
      anchor: { position: 6 },
      checkedEvents: remaining,
      pendingEvents: 0,
      firstBroken: null,
    });
  });

  it('reports the same cut on a dry run and removes nothing', async () => {
    const { tenant } = await expiredTrail();
    const before = await count(tenant);

    const result = await purge(tenant, true);

    expect(result).toMatchObject({
      status: 'planned',
      range: { anchor: { position: 6 }, events: 6, fromSeq: 1, toSeq: 6 },
    });
    expect(await count(tenant)).toBe(before);
    expect(await count(tenant, `action = 'audit.purge'`)).toBe(0);
  });

  it('does nothing when no event is past the retention period', async () => {
    const clinic = await createFastClinic(t);
    await readTraffic(t, clinic, 2);
    await verify(clinic.tenant);
    const before = await count(clinic.tenant);

    const result = await purge(clinic.tenant);

    expect(result).toMatchObject({ status: 'nothing', expired: 0 });
    expect(await count(clinic.tenant)).toBe(before);
    expect(await positions(clinic.tenant, 'audit_chain')).toHaveLength(before);
  });

  it('does nothing while no signed checkpoint follows the expired events', async () => {
    const clinic = await createFastClinic(t);
    await backdatedEvents(t, clinic.tenant, 3);
    await readTraffic(t, clinic, 1);

    const result = await purge(clinic.tenant);

    // The first checkpoint is signed over today's events too: cutting there would lose them.
    expect(result).toMatchObject({ status: 'nothing', expired: 3 });
    expect(await count(clinic.tenant, `action = 'test.old'`)).toBe(3);
  });

  it('leaves a broken trail alone, naming the break', async () => {
    const { tenant } = await expiredTrail();
    await tamper(t, tenant, [`update $S.audit_events set action = 'x' where seq = 2`]);

    const result = await purge(tenant);

    expect(result).toMatchObject({
      status: 'broken',
      firstBroken: { position: 2, problem: 'hash_mismatch' },
    });
    expect(await count(tenant, 'seq <= 6')).toBe(6);
  });
});

describe('tampering after a purge', () => {
  it('names an event edited after the anchor, at its position', async () => {
    const { tenant } = await expiredTrail();
    await purge(tenant);

    await tamper(t, tenant, [`update $S.audit_events set action = 'x' where seq = 8`]);
    const report = await verify(tenant);

    expect(report).toMatchObject({
      status: 'broken',
      firstBroken: { position: 8, seq: 8, problem: 'hash_mismatch' },
    });
  });

  it('names a removed anchor checkpoint, even when the cut is taken further', async () => {
    const { tenant } = await expiredTrail();
    await purge(tenant);

    await tamper(t, tenant, [
      `delete from $S.audit_checkpoints where position = 6`,
      `delete from $S.audit_events where seq <= 8`,
      `delete from $S.audit_chain where position < 8`,
    ]);
    const report = await verify(tenant);

    expect(report).toMatchObject({
      status: 'broken',
      anchor: null,
      firstBroken: { position: 6, problem: 'missing_anchor' },
    });
  });

  it('names an event slipped in under a purged number', async () => {
    const { tenant } = await expiredTrail();
    await purge(tenant);

    await rawSql(
      t,
      tenant,
      `insert into $S.audit_events (id, seq, occurred_at, actor_role, action, outcome)
        values (gen_random_uuid(), 3, now() - interval '6 years', 'clerk', 'test.old', 'success')`,
    );
    const report = await verify(tenant);

    expect(report).toMatchObject({
      status: 'broken',
      firstBroken: { position: 3, seq: 3, problem: 'inserted_event' },
    });
  });

  it('names a purge record made up while the trail still starts at its genesis', async () => {
    const { tenant } = await expiredTrail();

    await rawSql(
      t,
      tenant,
      `insert into $S.audit_events (id, actor_role, action, outcome, details)
        values (gen_random_uuid(), 'operator', 'audit.purge', 'success', '{"anchorPosition": 6}')`,
    );
    const report = await verify(tenant);

    expect(report).toMatchObject({ status: 'broken', firstBroken: { problem: 'inserted_event' } });
  });
});

describe('the database allows the purge only through its function', () => {
  it('refuses the owner a plain DELETE of expired events, outside the purge', async () => {
    const { tenant } = await expiredTrail();

    await expect(rawSql(t, tenant, `delete from $S.audit_events where seq <= 6`)).rejects.toThrow(
      /append-only/,
    );
    expect(await count(tenant, 'seq <= 6')).toBe(6);
  });

  it('refuses a retention period under five years', async () => {
    const { tenant } = await expiredTrail();

    await expect(rawSql(t, tenant, `select $S.audit_purge(6, 4)`)).rejects.toThrow(
      /at least five years/,
    );
  });

  it('refuses a cut at a checkpoint that covers events still within retention', async () => {
    const clinic = await createFastClinic(t);
    await backdatedEvents(t, clinic.tenant, 3);
    await readTraffic(t, clinic, 1);
    await verify(clinic.tenant);
    const [first] = await positions(clinic.tenant, 'audit_checkpoints');

    await expect(
      rawSql(t, clinic.tenant, `select $S.audit_purge(${first ?? 0}, 5)`),
    ).rejects.toThrow(/not all past the retention period/);
    expect(await count(clinic.tenant, `action = 'test.old'`)).toBe(3);
  });

  it('refuses a cut where no checkpoint was signed', async () => {
    const { tenant } = await expiredTrail();

    await expect(rawSql(t, tenant, `select $S.audit_purge(5, 5)`)).rejects.toThrow(
      /no signed checkpoint at position 5/,
    );
  });
});
