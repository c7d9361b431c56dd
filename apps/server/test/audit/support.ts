import { sql } from 'kysely';
import type { Tenant } from '../../src/modules/tenants/service.js';
import type { VerifyReport } from '../../src/modules/audit/verify.js';
import {
  bearer,
  createPatient,
  type Staff,
  type TestApp,
  type TestClinic,
} from '../support/harness.js';

/** Same lock the chainer takes: the attack below runs while no chainer batch is in flight. */
const CHAIN_LOCK = (schema: string) =>
  sql`select pg_advisory_xact_lock(${0x4d434155}::integer, hashtext(${schema}))`;

/**
 * What an attacker with the schema owner's rights can do: switch off the append-only triggers,
 * change rows by raw SQL, switch the triggers back on. Verification has to catch it anyway.
 */
export async function tamper(t: TestApp, tenant: Tenant, statements: string[]): Promise<void> {
  const s = `"${tenant.schemaName}"`;
  const tables = ['audit_events', 'audit_chain', 'audit_checkpoints'];
  await owner(t, tenant).transaction(async (trx) => {
    await CHAIN_LOCK(tenant.schemaName).execute(trx);
    for (const table of tables)
      await sql.raw(`alter table ${s}.${table} disable trigger user`).execute(trx);
    for (const statement of statements) await sql.raw(statement.replaceAll('$S', s)).execute(trx);
    for (const table of tables)
      await sql.raw(`alter table ${s}.${table} enable trigger user`).execute(trx);
  });
}

/** Raw SQL in the tenant's schema, as the table owner, triggers left on. */
export async function rawSql<R = Record<string, unknown>>(
  t: TestApp,
  tenant: Tenant,
  statement: string,
): Promise<R[]> {
  const result = await sql
    .raw<R>(statement.replaceAll('$S', `"${tenant.schemaName}"`))
    .execute(owner(t, tenant).db);
  return result.rows;
}

/** The schema owner's handle: the same as the app's unless it serves as a least-privilege role. */
function owner(t: TestApp, tenant: Tenant) {
  return t.db.forTenantAsOwner(tenant.id, tenant.schemaName);
}

export async function verifyOverHttp(t: TestApp, admin: Staff): Promise<VerifyReport> {
  const response = await t.app.inject({
    method: 'GET',
    url: '/api/v1/audit/verify',
    headers: bearer(admin),
  });
  if (response.statusCode !== 200) throw new Error(`verify failed: ${response.body}`);
  return response.json<VerifyReport>();
}

export interface Link {
  position: string;
  seq: string;
  event_id: string | null;
}

/** The chain links of the clinic's successful patient reads, oldest first. */
export async function readLinks(t: TestApp, tenant: Tenant): Promise<Link[]> {
  return rawSql<Link>(
    t,
    tenant,
    `select c.position::text, c.seq::text, c.event_id::text from $S.audit_chain c
      join $S.audit_events e on e.id = c.event_id
      where e.action = 'patient.read' order by c.position`,
  );
}

/** A clerk registers a patient and reads the record `reads` times: audited traffic. */
export async function readTraffic(
  t: TestApp,
  clinic: TestClinic,
  reads: number,
): Promise<{ clerk: Staff; admin: Staff; patientId: string }> {
  const clerk = await clinic.staff('clerk');
  const admin = await clinic.staff('admin');
  const patient = await createPatient(t, clerk);
  for (let i = 0; i < reads; i += 1) {
    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${patient.id}`,
      headers: bearer(clerk),
    });
    if (response.statusCode !== 200) throw new Error(`read failed: ${response.body}`);
  }
  return { clerk, admin, patientId: patient.id };
}

/**
 * Audit events recorded `yearsAgo` years ago, one minute apart: inserted by raw SQL with their
 * time set, before anything links them, so the chain hashes the old time as if it had been
 * recorded then. An INSERT is all it takes (the trail is append-only, not insert-proof): the
 * trigger stays on and nothing is updated.
 */
export async function backdatedEvents(
  t: TestApp,
  tenant: Tenant,
  count: number,
  yearsAgo = 6,
): Promise<void> {
  await rawSql(
    t,
    tenant,
    `insert into $S.audit_events (id, occurred_at, actor_role, action, outcome)
      select gen_random_uuid(), now() - interval '${yearsAgo} years' + i * interval '1 minute',
        'clerk', 'test.old', 'success'
      from generate_series(1, ${count}) as i`,
  );
}
