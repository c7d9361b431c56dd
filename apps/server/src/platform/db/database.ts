import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { controlMigrations } from './migrations/control.js';
import { tenantMigrations } from './migrations/tenant.js';
import { migrateSchema } from './migrate.js';
import { PGliteDialect } from './pglite-dialect.js';
import { postgresPoolConfig } from './postgres-tls.js';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
import { TenantGuardPlugin } from './tenant-guard.js';
import { grantAppRole } from './app-role.js';
import type { ControlDatabase, TenantDatabase } from './tables.js';

export const CONTROL_SCHEMA = 'mc_control';

/** A handle that can only reach one tenant's schema. */
export interface TenantDb {
  readonly tenantId: string;
  readonly schema: string;
  readonly db: Kysely<TenantDatabase>;
  transaction<T>(work: (trx: Kysely<TenantDatabase>) => Promise<T>): Promise<T>;
}

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly control: Kysely<ControlDatabase>;
  forTenant(tenantId: string, schema: string): TenantDb;
  migrateControl(): Promise<void>;
  migrateTenant(schema: string): Promise<number[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl: string | null;
  /** PEM file of the CA PostgreSQL's certificate must chain to (sslmode=verify-full). */
  databaseCaFile?: string | null;
  dataDir: string;
  /** Who holds the embedded database, shown to a second process that tries to open it. */
  holder: string;
  /** Embedded only: keep everything in memory (tests). */
  inMemory?: boolean;
  /** PostgreSQL only: the application's role, granted read and append on the audit tables. */
  appRole?: string | null;
  /** PostgreSQL only: connections in this instance's pool. */
  poolSize?: number;
}

// Dates stay 'YYYY-MM-DD' strings and int8 stays a string in both dialects, so rows look alike.
const DATE_OID = 1082;
const INT8_OID = 20;

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl !== null) {
    const pool = new pg.Pool({
      ...postgresPoolConfig(options.databaseUrl, options.databaseCaFile ?? null),
      // Every audited request commits a write (its audit event) and holds a connection for
      // that commit: too small a pool, not the database, then caps throughput.
      max: options.poolSize ?? 20,
      types: { getTypeParser: keepDatesAndInt8AsText as typeof pg.types.getTypeParser },
    });
    const root = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
    return build('postgres', root, null, options.appRole ?? null);
  }

  let lock: DataDirLock | null = null;
  let dataPath: string | undefined;
  if (options.inMemory !== true) {
    fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    lock = acquireDataDirLock(options.dataDir, options.holder);
    dataPath = path.join(options.dataDir, 'pglite');
  }
  try {
    const pglite = await PGlite.create(dataPath, {
      // PGlite can only load an extension it was created with; `create extension` in the tenant
      // migrations then works as on PostgreSQL (btree_gist: no double-booked doctor).
      extensions: { btree_gist },
      parsers: { [DATE_OID]: (value: string) => value, [INT8_OID]: (value: string) => value },
    });
    // PGlite has one user and no roles to grant: its wall is the append-only trigger.
    return build('pglite', new Kysely<unknown>({ dialect: new PGliteDialect(pglite) }), lock, null);
  } catch (error) {
    lock?.release();
    throw error;
  }
}

// pg's own parsers, except that 'date' and 'int8' stay text.
function keepDatesAndInt8AsText(oid: number): (value: string) => unknown {
  if (oid === DATE_OID || oid === INT8_OID) return (value) => value;
  const builtin = Object.values(pg.types.builtins).find((id: number) => id === oid);
  if (builtin === undefined) return (value) => value;
  return pg.types.getTypeParser(builtin, 'text') as (value: string) => unknown;
}

function build(
  kind: Database['kind'],
  root: Kysely<unknown>,
  lock: DataDirLock | null,
  appRole: string | null,
): Database {
  const control = (root as Kysely<ControlDatabase>).withSchema(CONTROL_SCHEMA);
  return {
    kind,
    control,
    forTenant(tenantId, schema) {
      const typed = root as Kysely<TenantDatabase>;
      // The guard runs after the schema is applied: it sees every table fully qualified.
      const guard = new TenantGuardPlugin(schema);
      return {
        tenantId,
        schema,
        db: typed.withSchema(schema).withPlugin(guard),
        transaction: (work) =>
          typed.transaction().execute((trx) => work(trx.withSchema(schema).withPlugin(guard))),
      };
    },
    async migrateControl() {
      await migrateSchema(root, CONTROL_SCHEMA, controlMigrations);
    },
    async migrateTenant(schema) {
      const applied = await migrateSchema(root, schema, tenantMigrations);
      if (appRole !== null) await grantAppRole(root, schema, appRole);
      return applied;
    },
    async ping() {
      await sql`select 1`.execute(root);
    },
    async close() {
      await root.destroy();
      lock?.release();
    },
  };
}
