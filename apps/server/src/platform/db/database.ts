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
import { APPEND_ONLY_TABLES, asAppRole, checkAppRole, grantAppRole } from './app-role.js';
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
  /** The role requests run as (MEDICONNECT_DB_APP_ROLE); null: they run as the schema owner. */
  readonly appRole: string | null;
  readonly control: Kysely<ControlDatabase>;
  forTenant(tenantId: string, schema: string): TenantDb;
  /**
   * The same tenant through the schema owner's connection. For the operator's audit purge only:
   * never for anything a request does.
   */
  forTenantAsOwner(tenantId: string, schema: string): TenantDb;
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
  /**
   * PostgreSQL only: the role every connection that serves requests runs as, granted read and
   * append on the audit tables and no DDL. Migrations still run as the DATABASE_URL user.
   */
  appRole?: string | null;
  /** PostgreSQL only: connections in this instance's pool. */
  poolSize?: number;
}

// Dates stay 'YYYY-MM-DD' strings and int8 stays a string in both dialects, so rows look alike.
const DATE_OID = 1082;
const INT8_OID = 20;

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl !== null) return openPostgres(options.databaseUrl, options);

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
    const root = new Kysely<unknown>({ dialect: new PGliteDialect(pglite) });
    return build('pglite', { app: root, owner: root, appRole: null }, lock);
  } catch (error) {
    lock?.release();
    throw error;
  }
}

/**
 * Without an app role, one pool as the DATABASE_URL user. With one, requests get a pool whose
 * every session runs as the app role, and migrations a small pool of their own as the user
 * (idle connections close after pg's default 10 s).
 */
async function openPostgres(databaseUrl: string, options: DatabaseOptions): Promise<Database> {
  const connection = postgresPoolConfig(databaseUrl, options.databaseCaFile ?? null);
  const types = { getTypeParser: keepDatesAndInt8AsText as typeof pg.types.getTypeParser };
  // Every audited request commits a write (its audit event) and holds a connection for
  // that commit: too small a pool, not the database, then caps throughput.
  const max = options.poolSize ?? 20;
  const appRole = options.appRole ?? null;
  const kysely = (pool: pg.Pool) => new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  if (appRole === null) {
    const root = kysely(new pg.Pool({ ...connection, max, types }));
    return build('postgres', { app: root, owner: root, appRole: null }, null);
  }
  const owner = kysely(new pg.Pool({ ...connection, max: 2, types }));
  const app = kysely(
    new pg.Pool({
      ...connection,
      ...asAppRole(connection.connectionString ?? databaseUrl, appRole),
      max,
      types,
    }),
  );
  try {
    await checkAppRole(app, owner, appRole);
  } catch (error) {
    await Promise.all([app.destroy(), owner.destroy()]);
    throw error;
  }
  return build('postgres', { app, owner, appRole }, null);
}

// pg's own parsers, except that 'date' and 'int8' stay text.
function keepDatesAndInt8AsText(oid: number): (value: string) => unknown {
  if (oid === DATE_OID || oid === INT8_OID) return (value) => value;
  const builtin = Object.values(pg.types.builtins).find((id: number) => id === oid);
  if (builtin === undefined) return (value) => value;
  return pg.types.getTypeParser(builtin, 'text') as (value: string) => unknown;
}

interface Roots {
  /** Serves requests: as the app role when there is one. */
  app: Kysely<unknown>;
  /** Runs migrations and grants: the schema owner. */
  owner: Kysely<unknown>;
  appRole: string | null;
}

function build(kind: Database['kind'], roots: Roots, lock: DataDirLock | null): Database {
  const { app, owner, appRole } = roots;
  const tenantOn = (root: Kysely<unknown>, tenantId: string, schema: string): TenantDb => {
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
  };
  return {
    kind,
    appRole,
    control: (app as Kysely<ControlDatabase>).withSchema(CONTROL_SCHEMA),
    forTenant: (tenantId, schema) => tenantOn(app, tenantId, schema),
    forTenantAsOwner: (tenantId, schema) => tenantOn(owner, tenantId, schema),
    async migrateControl() {
      await migrateSchema(owner, CONTROL_SCHEMA, controlMigrations);
      if (appRole !== null) await grantAppRole(owner, CONTROL_SCHEMA, appRole, []);
    },
    async migrateTenant(schema) {
      const applied = await migrateSchema(owner, schema, tenantMigrations);
      if (appRole !== null) await grantAppRole(owner, schema, appRole, APPEND_ONLY_TABLES);
      return applied;
    },
    async ping() {
      await sql`select 1`.execute(app);
    },
    async close() {
      await app.destroy();
      if (owner !== app) await owner.destroy();
      lock?.release();
    },
  };
}
