import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { DataDirBusyError } from '../../src/platform/db/data-dir-lock.js';
import { openDatabase, type Database } from '../../src/platform/db/database.js';
import { controlMigrations } from '../../src/platform/db/migrations/control.js';
import { tenantMigrations } from '../../src/platform/db/migrations/tenant.js';

// The PostgreSQL half always runs: PostgreSQL listens on loopback locally and in CI.
const POSTGRES_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediconnect-db-test-'));
  onTestFinished(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

const backends: { name: string; open: (dataDir: string) => Promise<Database> }[] = [
  {
    name: 'PGlite in memory',
    open: (dataDir) => openDatabase({ databaseUrl: null, dataDir, holder: 'test', inMemory: true }),
  },
  {
    name: 'PostgreSQL',
    open: (dataDir) => openDatabase({ databaseUrl: POSTGRES_URL, dataDir, holder: 'test' }),
  },
];

// One database per backend for the file, like one app per file; every test works in its own schemas.
describe.each(backends)('$name', ({ open }) => {
  let db: Database;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediconnect-db-test-'));
    db = await open(dataDir);
    await db.migrateControl();
  });
  afterAll(async () => {
    await db.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** A schema name no other test uses, dropped when the test ends. */
  function freshSchema(): string {
    const schema = `t_test_${crypto.randomBytes(6).toString('hex')}`;
    onTestFinished(async () => {
      await sql.raw(`drop schema if exists "${schema}" cascade`).execute(db.control);
    });
    return schema;
  }

  async function appliedIn(schema: string) {
    const result = await sql<{ version: number; applied_at: Date }>`select version, applied_at
      from ${sql.table(`${schema}.schema_migrations`)} order by version`.execute(db.control);
    return result.rows;
  }

  it('answers a ping', async () => {
    await expect(db.ping()).resolves.toBeUndefined();
  });

  it('applies the control migrations once, however often it is asked', async () => {
    const first = await appliedIn('mc_control');

    await db.migrateControl();

    expect(first.map((row) => row.version)).toEqual(controlMigrations.map((m) => m.version));
    expect(await appliedIn('mc_control')).toEqual(first);
  });

  it('applies a tenant’s migrations on the first run and nothing on the second', async () => {
    const schema = freshSchema();

    const first = await db.migrateTenant(schema);
    const second = await db.migrateTenant(schema);

    expect(first).toEqual(tenantMigrations.map((m) => m.version));
    expect(second).toEqual([]);
  });

  it('applies each migration once when two callers migrate the same schema at once', async () => {
    const schema = freshSchema();

    // On PostgreSQL the pool runs the two on separate connections, as two instances would.
    const [mine, theirs] = await Promise.all([db.migrateTenant(schema), db.migrateTenant(schema)]);

    expect([...mine, ...theirs].sort((a, b) => a - b)).toEqual(
      tenantMigrations.map((m) => m.version),
    );
  });

  it('refuses a schema name that would need quoting', async () => {
    await expect(db.migrateTenant('x"; drop schema mc_control cascade; --')).rejects.toThrow(
      'invalid schema name',
    );
  });

  it('gives each tenant handle only its own tenant’s rows', async () => {
    const schemaA = freshSchema();
    const schemaB = freshSchema();
    await db.migrateTenant(schemaA);
    await db.migrateTenant(schemaB);
    const clinicA = db.forTenant(crypto.randomUUID(), schemaA);
    const clinicB = db.forTenant(crypto.randomUUID(), schemaB);
    const id = crypto.randomUUID();
    await clinicA.db
      .insertInto('patients')
      .values({
        id,
        version: 1,
        family_name: '分離',
        given_name: '確認',
        family_name_kana: 'ブンリ',
        given_name_kana: 'カクニン',
        sort_name: 'ブンリ カクニン',
        birth_date: '1970-01-01',
        sex: 'female',
        updated_at: new Date(),
      })
      .execute();

    const seenByB = await clinicB.db.selectFrom('patients').selectAll().execute();
    const byIdInB = await clinicB.transaction((trx) =>
      trx.selectFrom('patients').select('id').where('id', '=', id).executeTakeFirst(),
    );
    const seenByA = await clinicA.transaction((trx) =>
      trx.selectFrom('patients').select('id').execute(),
    );

    expect(seenByB).toEqual([]);
    expect(byIdInB).toBeUndefined();
    expect(seenByA).toEqual([{ id }]);
  });

  it('rolls back a tenant transaction that fails, leaving no partial write', async () => {
    const schema = freshSchema();
    await db.migrateTenant(schema);
    const clinic = db.forTenant(crypto.randomUUID(), schema);

    await expect(
      clinic.transaction(async (trx) => {
        await trx
          .insertInto('audit_events')
          .values({
            id: crypto.randomUUID(),
            actor_id: null,
            actor_role: 'test',
            action: 'test.write',
            outcome: 'success',
            patient_id: null,
            resource_type: null,
            resource_id: null,
            request_id: null,
            details: '{}',
          })
          .execute();
        throw new Error('the write after the audit event failed');
      }),
    ).rejects.toThrow('the write after the audit event failed');

    expect(await clinic.db.selectFrom('audit_events').selectAll().execute()).toEqual([]);
  });
});

describe('the embedded data folder lock', () => {
  function openOnDisk(dataDir: string, holder = 'the MediConnect server'): Promise<Database> {
    return openDatabase({ databaseUrl: null, dataDir, holder });
  }

  function writeLock(dataDir: string, pid: number, holder: string): void {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'pglite.lock'), JSON.stringify({ pid, holder }));
  }

  it('refuses a second open of the same folder while the first is open, then allows it after close', async () => {
    const dataDir = tempDir();
    const first = await openOnDisk(dataDir);

    const second = openOnDisk(dataDir, 'the mediconnect command-line tool');

    await expect(second).rejects.toBeInstanceOf(DataDirBusyError);
    await expect(second).rejects.toThrow(
      /in use by the MediConnect server \(pid \d+\).*DATABASE_URL/,
    );
    await first.close();
    const reopened = await openOnDisk(dataDir);
    await reopened.close();
  });

  it('refuses a folder whose lock is held by another running process, naming it', async () => {
    const dataDir = tempDir();
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      stdio: 'ignore',
    });
    onTestFinished(() => {
      holder.kill();
    });
    const pid = holder.pid ?? 0;
    writeLock(dataDir, pid, 'the mediconnect command-line tool');

    const opening = openOnDisk(dataDir);

    await expect(opening).rejects.toBeInstanceOf(DataDirBusyError);
    await expect(opening).rejects.toThrow(
      `in use by the mediconnect command-line tool (pid ${pid})`,
    );
  });

  it('takes over a lock left by a process that no longer exists', async () => {
    const dataDir = tempDir();
    const gone = spawnSync(process.execPath, ['-e', '']);
    writeLock(dataDir, gone.pid, 'a server that crashed');

    const db = await openOnDisk(dataDir);
    onTestFinished(() => db.close());

    const lock = JSON.parse(fs.readFileSync(path.join(dataDir, 'pglite.lock'), 'utf8')) as {
      pid: number;
    };
    expect(lock.pid).toBe(process.pid);
  });

  it('keeps what was written across a close and a reopen', async () => {
    const dataDir = tempDir();
    const first = await openOnDisk(dataDir);
    await first.migrateControl();
    await first.control
      .insertInto('tenants')
      .values({
        id: crypto.randomUUID(),
        code: 'persist',
        name: '永続',
        schema_name: 't_persist',
        status: 'active',
      })
      .execute();
    await first.close();

    const second = await openOnDisk(dataDir);
    onTestFinished(() => second.close());

    expect(await second.control.selectFrom('tenants').select('code').execute()).toEqual([
      { code: 'persist' },
    ]);
  });
});
