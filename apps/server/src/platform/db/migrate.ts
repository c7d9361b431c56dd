import { sql, type Kysely } from 'kysely';

export interface Migration {
  version: number;
  name: string;
  /** SQL statements; `schema` is an already-quoted identifier. */
  statements: (schema: string) => string[];
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function quoteSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new Error('invalid schema name');
  return `"${schema}"`;
}

/**
 * Brings one schema up to date. Each migration runs in its own transaction together with its
 * bookkeeping row; an advisory lock keeps two instances starting at once from racing.
 */
export async function migrateSchema(
  db: Kysely<unknown>,
  schema: string,
  migrations: Migration[],
): Promise<number[]> {
  const s = quoteSchema(schema);
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${schema}))`.execute(trx);
    await sql.raw(`create schema if not exists ${s}`).execute(trx);
    await sql
      .raw(
        `create table if not exists ${s}.schema_migrations (version integer primary key,
          name text not null, applied_at timestamptz not null default now())`,
      )
      .execute(trx);
  });

  const applied: number[] = [];
  for (const migration of migrations) {
    const ran = await db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext(${schema}))`.execute(trx);
      const done = await sql<{
        version: number;
      }>`select version from ${sql.raw(s)}.schema_migrations
        where version = ${migration.version}`.execute(trx);
      if (done.rows.length > 0) return false;
      for (const statement of migration.statements(s)) await sql.raw(statement).execute(trx);
      await sql`insert into ${sql.raw(s)}.schema_migrations (version, name)
        values (${migration.version}, ${migration.name})`.execute(trx);
      return true;
    });
    if (ran) applied.push(migration.version);
  }
  return applied;
}
