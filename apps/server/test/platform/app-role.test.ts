import crypto from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assignCare,
  bearer,
  createFastClinic,
  createPatient,
  startTestApp,
  type TestApp,
  type TestClinic,
} from '../support/harness.js';

// PGlite has one user and no roles: there is no least-privilege role to serve as, and its wall
// is the append-only trigger alone (test/audit/append-only.test.ts).
const postgres = process.env.DATABASE_URL !== undefined;

let t: TestApp;
let clinic: TestClinic;
beforeAll(async () => {
  if (!postgres) return;
  t = await startTestApp({}, { appRole: true });
  clinic = await createFastClinic(t);
}, 60_000);
afterAll(async () => {
  if (postgres) await t.close();
});

/** The server's own handle on the clinic: the connections its requests use. */
function served(): Kysely<unknown> {
  return t.services.tenants.handle(clinic.tenant).db as unknown as Kysely<unknown>;
}

function run(statement: string, db: Kysely<unknown> = served()) {
  return sql.raw(statement.replaceAll('$S', `"${clinic.tenant.schemaName}"`)).execute(db);
}

const refusedByPrivilege = {
  code: '42501',
  message: expect.stringMatching(/permission denied|must be owner/) as string,
};

describe.runIf(postgres)('the API served as a least-privilege role on PostgreSQL', () => {
  it('runs every request connection as the app role, not as the login user', async () => {
    const control = await sql<{ user: string }>`select current_user as user`.execute(t.db.control);
    const tenant = await sql<{ user: string }>`select current_user as user`.execute(served());

    expect(t.db.appRole).toMatch(/^mc_app_/);
    expect(control.rows).toEqual([{ user: t.db.appRole }]);
    expect(tenant.rows).toEqual([{ user: t.db.appRole }]);
  });

  it('serves a whole flow: login, patient, encounter, audit log and its verification', async () => {
    const clerk = await clinic.staff('clerk');
    const doctor = await clinic.staff('doctor');
    const admin = await clinic.staff('admin');
    const patient = await createPatient(t, clerk);
    await assignCare(t, admin, patient.id, doctor.id);

    const encounter = await t.app.inject({
      method: 'POST',
      url: `/api/v1/patients/${patient.id}/encounters`,
      headers: bearer(doctor),
      payload: {
        type: 'in_person',
        startedAt: '2025-04-01T09:30:00.000Z',
        note: { subjective: 'S', objective: 'O', assessment: 'A', plan: 'P' },
        diagnoses: [{ code: 'J06.9', name: '急性上気道感染症' }],
      },
    });
    const encounterId = encounter.json<{ id: string }>().id;
    const read = await t.app.inject({
      method: 'GET',
      url: `/api/v1/encounters/${encounterId}`,
      headers: bearer(doctor),
    });
    const patientRead = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${patient.id}`,
      headers: bearer(doctor),
    });
    const log = await t.app.inject({ method: 'GET', url: '/api/v1/audit', headers: bearer(admin) });
    const verify = await t.app.inject({
      method: 'GET',
      url: '/api/v1/audit/verify',
      headers: bearer(admin),
    });

    expect(encounter.statusCode).toBe(201);
    expect(read.statusCode).toBe(200);
    expect(patientRead.statusCode).toBe(200);
    expect(log.statusCode).toBe(200);
    const actions = log.json<{ items: { action: string }[] }>().items.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['patient.create', 'encounter.create', 'patient.read']),
    );
    expect(verify.json()).toMatchObject({ status: 'intact' });
  });

  it('serves a clinic created while it runs (the grants come with the new schema)', async () => {
    const later = await createFastClinic(t);
    const clerk = await later.staff('clerk');

    const patient = await createPatient(t, clerk);

    expect(patient.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('may read and append audit events through its own handle', async () => {
    await run(`insert into $S.audit_events (id, actor_role, action, outcome)
      values ('${crypto.randomUUID()}', 'admin', 'test.append', 'success')`);

    const rows = await run(`select count(*)::int as n from $S.audit_events
      where action = 'test.append'`);

    expect(rows.rows).toEqual([{ n: 1 }]);
  });

  for (const table of ['audit_events', 'audit_chain', 'audit_checkpoints']) {
    const column = table === 'audit_events' ? 'action' : 'hash';

    it(`is refused an UPDATE of ${table} by its privileges, before any trigger runs`, async () => {
      await expect(run(`update $S.${table} set ${column} = ${column}`)).rejects.toMatchObject(
        refusedByPrivilege,
      );
    });

    it(`is refused a DELETE from ${table} by its privileges`, async () => {
      await expect(run(`delete from $S.${table}`)).rejects.toMatchObject(refusedByPrivilege);
    });

    it(`is refused a TRUNCATE of ${table} by its privileges`, async () => {
      await expect(run(`truncate $S.${table} cascade`)).rejects.toMatchObject(refusedByPrivilege);
    });
  }

  it('cannot switch the append-only trigger off (only the owner may alter a table)', async () => {
    await expect(run(`alter table $S.audit_events disable trigger user`)).rejects.toMatchObject(
      refusedByPrivilege,
    );
  });

  it.each([
    ['create a table in a clinic schema', 'create table $S.intruder (id int)'],
    ['drop a table', 'drop table $S.patients cascade'],
    ['add a column', 'alter table $S.patients add column intruder text'],
    ['create a schema', 'create schema mc_intruder'],
    ['create a table in the control schema', 'create table mc_control.intruder (id int)'],
    [
      'replace the audit trigger function',
      `create or replace function $S.audit_append_only()
      returns trigger language plpgsql as $$ begin return old; end $$`,
    ],
  ])('is refused DDL: %s', async (_what, statement) => {
    await expect(run(statement)).rejects.toMatchObject({ code: '42501' });
  });

  it('may neither rewrite the migration record nor wind back the audit sequence', async () => {
    await expect(run(`delete from $S.schema_migrations`)).rejects.toMatchObject({
      code: '42501',
    });
    await expect(
      run(`delete from mc_control.schema_migrations`, t.db.control as unknown as Kysely<unknown>),
    ).rejects.toMatchObject({ code: '42501' });
    await expect(run(`select setval('$S.audit_seq', 1)`)).rejects.toMatchObject({
      code: '42501',
    });
  });

  it('may not run the audit purge, nor delete under the purge’s mark set by hand', async () => {
    await expect(run(`select $S.audit_purge(1, 5)`)).rejects.toMatchObject(refusedByPrivilege);
    await expect(
      served()
        .transaction()
        .execute(async (trx) => {
          await sql`select set_config('mediconnect.audit_purge', '1000000', true)`.execute(trx);
          await run(`delete from $S.audit_events`, trx);
        }),
    ).rejects.toMatchObject(refusedByPrivilege);
  });

  it('still has every change refused in the database after the attempts', async () => {
    const events = await run(`select count(*)::int as n from $S.audit_events`);
    const tables = await run(`select count(*)::int as n from pg_tables
      where schemaname = '${clinic.tenant.schemaName}' and tablename = 'intruder'`);

    expect((events.rows[0] as { n: number }).n).toBeGreaterThan(5);
    expect(tables.rows).toEqual([{ n: 0 }]);
  });
});

describe.runIf(postgres)('a misconfigured app role on PostgreSQL', () => {
  async function opening(appRole: string) {
    const { openDatabase } = await import('../../src/platform/db/database.js');
    return openDatabase({
      databaseUrl: process.env.DATABASE_URL ?? '',
      dataDir: '/nonexistent',
      holder: 'test',
      appRole,
    });
  }

  it('refuses to start with a role that does not exist, naming the variable', async () => {
    await expect(opening(`mc_missing_${crypto.randomBytes(4).toString('hex')}`)).rejects.toThrow(
      /MEDICONNECT_DB_APP_ROLE names a role that does not exist/,
    );
  });

  it('refuses to start as a superuser, whose privileges would mean nothing', async () => {
    const superuser = await sql<{ name: string }>`select rolname as name from pg_roles
      where rolsuper limit 1`.execute(t.db.forTenantAsOwner('x', 'mc_control').db);
    const name = superuser.rows[0]?.name ?? 'postgres';

    await expect(opening(name)).rejects.toThrow(/MEDICONNECT_DB_APP_ROLE must not be a superuser/);
  });
});
