import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventHash, selectChainedEvents } from '../../src/modules/audit/canonical.js';
import { createFastClinic, startTestApp, type TestApp } from '../support/harness.js';
import { rawSql, readLinks, readTraffic, tamper, verifyOverHttp } from './support.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp(
    {
      // A missing sequence number becomes a recorded gap at once (tests run one request at a time).
      MEDICONNECT_AUDIT_GAP_GRACE_SECONDS: '0',
      // A signed checkpoint after every batch, so a rewritten chain always meets one.
      MEDICONNECT_AUDIT_CHECKPOINT_EVENTS: '1',
    },
    { appRole: true },
  );
});
afterAll(async () => {
  await t.close();
});

describe('audit verification', () => {
  it('reads as intact after traffic, with a valid signed checkpoint', async () => {
    const clinic = await createFastClinic(t);
    const { admin } = await readTraffic(t, clinic, 3);

    const report = await verifyOverHttp(t, admin);

    expect(report).toMatchObject({
      status: 'intact',
      pendingEvents: 0,
      firstBroken: null,
      lastCheckpoint: { signatureValid: true },
    });
    // Logins, the patient's creation and the three reads, at least.
    expect(report.checkedEvents).toBeGreaterThanOrEqual(6);
  });

  it('names an event edited by raw SQL, at its position', async () => {
    const clinic = await createFastClinic(t);
    const { admin } = await readTraffic(t, clinic, 4);
    await verifyOverHttp(t, admin);
    const target = (await readLinks(t, clinic.tenant))[1];
    if (target === undefined) throw new Error('no link to tamper with');

    await tamper(t, clinic.tenant, [
      `update $S.audit_events set actor_role = 'admin' where id = '${target.event_id}'`,
    ]);

    expect((await verifyOverHttp(t, admin)).firstBroken).toEqual({
      position: Number(target.position),
      seq: Number(target.seq),
      eventId: target.event_id,
      problem: 'hash_mismatch',
    });
  });

  it('names an event deleted by raw SQL, at its position', async () => {
    const clinic = await createFastClinic(t);
    const { admin } = await readTraffic(t, clinic, 4);
    await verifyOverHttp(t, admin);
    const target = (await readLinks(t, clinic.tenant))[2];
    if (target === undefined) throw new Error('no link to tamper with');

    await tamper(t, clinic.tenant, [`delete from $S.audit_events where id = '${target.event_id}'`]);

    const report = await verifyOverHttp(t, admin);
    expect(report.status).toBe('broken');
    expect(report.firstBroken).toEqual({
      position: Number(target.position),
      seq: Number(target.seq),
      eventId: target.event_id,
      problem: 'missing_event',
    });
  });

  it('names the first of two events swapped in order by raw SQL', async () => {
    const clinic = await createFastClinic(t);
    const { admin } = await readTraffic(t, clinic, 4);
    await verifyOverHttp(t, admin);
    const [, first, second] = await readLinks(t, clinic.tenant);
    if (first === undefined || second === undefined) throw new Error('no links to swap');

    await tamper(t, clinic.tenant, [
      `update $S.audit_events set seq = -1 where id = '${first.event_id}'`,
      `update $S.audit_events set seq = ${first.seq} where id = '${second.event_id}'`,
      `update $S.audit_events set seq = ${second.seq} where id = '${first.event_id}'`,
    ]);

    expect((await verifyOverHttp(t, admin)).firstBroken).toEqual({
      position: Number(first.position),
      seq: Number(first.seq),
      eventId: first.event_id,
      problem: 'reordered',
    });
  });

  it('names an event inserted by raw SQL in the middle, where a rolled-back number was', async () => {
    const clinic = await createFastClinic(t);
    const { admin, clerk, patientId } = await readTraffic(t, clinic, 2);
    // A transaction that took a number and rolled back: the sequence does not give it back.
    await rawSql(t, clinic.tenant, `select nextval('$S.audit_seq')`);
    await readTraffic(t, clinic, 1);
    await verifyOverHttp(t, admin);
    const [gap] = await rawSql<{ position: string; seq: string }>(
      t,
      clinic.tenant,
      `select position::text, seq::text from $S.audit_chain where event_id is null`,
    );
    if (gap === undefined) throw new Error('no gap was recorded');
    const forged = crypto.randomUUID();

    await tamper(t, clinic.tenant, [
      `insert into $S.audit_events (id, seq, actor_id, actor_role, action, outcome, patient_id)
        values ('${forged}', ${gap.seq}, '${clerk.id}', 'clerk', 'patient.read', 'success',
        '${patientId}')`,
    ]);

    expect((await verifyOverHttp(t, admin)).firstBroken).toEqual({
      position: Number(gap.position),
      seq: Number(gap.seq),
      eventId: forged,
      problem: 'inserted_event',
    });
  });

  it('catches a chain rewritten after an edit through the signed checkpoint', async () => {
    const clinic = await createFastClinic(t);
    const { admin } = await readTraffic(t, clinic, 3);
    await verifyOverHttp(t, admin);
    const target = (await readLinks(t, clinic.tenant))[0];
    if (target === undefined) throw new Error('no link to tamper with');
    await tamper(t, clinic.tenant, [
      `update $S.audit_events set actor_role = 'admin' where id = '${target.event_id}'`,
    ]);

    // The attacker knows the algorithm and recomputes every link from the edit on.
    await rewriteChainFrom(Number(target.position), clinic.tenant);

    const report = await verifyOverHttp(t, admin);
    const [checkpoint] = await rawSql<{ position: string }>(
      t,
      clinic.tenant,
      `select position::text from $S.audit_checkpoints where position >= ${target.position}
        order by position limit 1`,
    );
    expect(report.firstBroken).toMatchObject({
      position: Number(checkpoint?.position),
      problem: 'bad_checkpoint',
    });
  });
});

async function rewriteChainFrom(
  position: number,
  tenant: { schemaName: string } & Parameters<typeof tamper>[1],
) {
  const handle = t.services.tenants.handle(tenant);
  const links = await rawSql<{
    position: string;
    seq: string;
    event_id: string | null;
    prev_hash: string;
  }>(
    t,
    tenant,
    `select position::text, seq::text, event_id::text, prev_hash from $S.audit_chain
      where position >= ${position} order by position`,
  );
  let prev = links[0]?.prev_hash ?? '';
  const statements: string[] = [];
  for (const link of links) {
    if (link.event_id === null) throw new Error('no gaps expected here');
    const event = await selectChainedEvents(handle.db)
      .where('id', '=', link.event_id)
      .executeTakeFirstOrThrow();
    const hash = eventHash(prev, event);
    statements.push(
      `update $S.audit_chain set prev_hash = '${prev}', hash = '${hash}' where position = ${link.position}`,
    );
    prev = hash;
  }
  await tamper(t, tenant, statements);
}
