import { sql, type Kysely } from 'kysely';
import { ConfigError } from '../../config/config.js';
import { quoteSchema } from './migrate.js';

/** The tables whose rows nobody may change or remove once written (SPEC §8, MOD-4). */
export const APPEND_ONLY_TABLES = ['audit_events', 'audit_chain', 'audit_checkpoints'] as const;

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Gives the application's database role what it needs in one schema (the control schema or a
 * tenant's): reading and writing rows, and on the append-only tables no more than reading and
 * appending. Never DDL, never the migration bookkeeping, never the audit purge (its function is
 * executable by the owner alone). Runs after every migration of the schema (idempotent), so
 * tables added by later migrations are covered too. The trigger installed by the migration
 * refuses changes as well; the privileges are the first wall, the trigger the second.
 */
export async function grantAppRole(
  db: Kysely<unknown>,
  schema: string,
  role: string,
  appendOnly: readonly string[],
): Promise<void> {
  const s = quoteSchema(schema);
  const r = quoteRole(role);
  const statements = [
    `grant usage on schema ${s} to ${r}`,
    `grant select, insert, update, delete on all tables in schema ${s} to ${r}`,
    `grant usage, select on all sequences in schema ${s} to ${r}`,
    // Which migrations ran is the owner's record: a role that could delete a row here could
    // make the next start re-run a migration.
    `revoke insert, update, delete, truncate on ${s}.schema_migrations from ${r}`,
    ...appendOnly.map((table) => `revoke update, delete, truncate on ${s}.${table} from ${r}`),
  ];
  await db.transaction().execute(async (trx) => {
    // Two instances starting at once would otherwise update the same ACLs side by side
    // ("tuple concurrently updated"); this is the lock the schema's migrations take.
    await sql`select pg_advisory_xact_lock(hashtext(${schema}))`.execute(trx);
    for (const statement of statements) await sql.raw(statement).execute(trx);
  });
}

/**
 * The connection settings that make every session of a pool act as the app role from its first
 * statement: the role is a startup parameter, so no pooled connection is ever handed out before
 * it is set, and RESET ROLE or DISCARD ALL return to it rather than to the login user. The
 * connection string's own `options`, if any, are kept (pg would let them replace ours).
 * Known shortcoming: `SET ROLE NONE` still returns to the owner's login, which the process holds
 * to migrate; only arbitrary SQL could issue it (a separate migration login is not built).
 */
export function asAppRole(
  connectionString: string,
  role: string,
): { connectionString: string; options: string } {
  const url = new URL(connectionString);
  const own = url.searchParams.getAll('options');
  url.searchParams.delete('options');
  return {
    connectionString: url.toString(),
    options: [...own, `-c role=${validRole(role)}`].join(' '),
  };
}

/**
 * Checks, before anything is served, that the app pool really runs as the app role and that
 * the role is one whose privileges mean something: not a superuser, and not able to act as
 * the owner of the schemas. Misconfiguration is reported like a bad variable, by name.
 */
export async function checkAppRole(
  app: Kysely<unknown>,
  owner: Kysely<unknown>,
  role: string,
): Promise<void> {
  let current: string | undefined;
  try {
    const result = await sql<{ name: string }>`select current_user as name`.execute(app);
    current = result.rows[0]?.name;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === '22023')
      throw new ConfigError(['MEDICONNECT_DB_APP_ROLE names a role that does not exist']);
    if (code === '42501')
      throw new ConfigError([
        'MEDICONNECT_DB_APP_ROLE must be granted to the DATABASE_URL user (it sets that role)',
      ]);
    throw error;
  }
  if (current !== role) throw new Error('the app pool does not run as the app role');
  const found = await sql<{ super: boolean; owner: boolean }>`select r.rolsuper as super,
      pg_has_role(r.oid, (select oid from pg_roles where rolname = current_user), 'MEMBER')
        as owner
    from pg_roles r where r.rolname = ${role}`.execute(owner);
  const row = found.rows[0];
  if (row?.super === true)
    throw new ConfigError(['MEDICONNECT_DB_APP_ROLE must not be a superuser']);
  if (row?.owner === true)
    throw new ConfigError([
      'MEDICONNECT_DB_APP_ROLE must not be the DATABASE_URL user or a member of its role',
    ]);
}

function validRole(role: string): string {
  if (!ROLE_NAME.test(role)) throw new Error('invalid role name');
  return role;
}

function quoteRole(role: string): string {
  return `"${validRole(role)}"`;
}
