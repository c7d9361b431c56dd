import { sql, type Kysely } from 'kysely';
import { quoteSchema } from './migrate.js';

/** The tables whose rows nobody may change or remove once written (SPEC §8, MOD-4). */
export const APPEND_ONLY_TABLES = ['audit_events', 'audit_chain', 'audit_checkpoints'] as const;

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Gives the application's database role what it needs in one tenant schema, and on the audit
 * tables no more than reading and appending. Runs after every tenant migration (idempotent), so
 * tables added by later migrations are covered too. The trigger installed by the migration
 * refuses changes as well; the privileges are the first wall, the trigger the second.
 */
export async function grantAppRole(
  db: Kysely<unknown>,
  schema: string,
  role: string,
): Promise<void> {
  if (!ROLE_NAME.test(role)) throw new Error('invalid role name');
  const s = quoteSchema(schema);
  const r = `"${role}"`;
  const statements = [
    `grant usage on schema ${s} to ${r}`,
    `grant select, insert, update, delete on all tables in schema ${s} to ${r}`,
    `grant usage, select on all sequences in schema ${s} to ${r}`,
    ...APPEND_ONLY_TABLES.map(
      (table) => `revoke update, delete, truncate on ${s}.${table} from ${r}`,
    ),
  ];
  await db.transaction().execute(async (trx) => {
    for (const statement of statements) await sql.raw(statement).execute(trx);
  });
}
