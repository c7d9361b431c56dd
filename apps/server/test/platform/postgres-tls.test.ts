import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { openDatabase, type Database } from '../../src/platform/db/database.js';

/**
 * TLS to the machine's PostgreSQL, set up by test/support/pg-tls-setup.sh (CI runs it first).
 * Absent that setup the tests are skipped with a message, except in CI, where they fail.
 */
const TLS_DIR = process.env.MEDICONNECT_PG_TLS_DIR ?? '/var/lib/postgresql/mediconnect-tls';
const CA = path.join(TLS_DIR, 'ca.pem');
const OTHER_CA = path.join(TLS_DIR, 'other-ca.pem');
const SETUP = 'apps/server/test/support/pg-tls-setup.sh';

const available = await serverSpeaksTls();
if (!available && process.env.CI !== 'true') {
  console.warn(`PostgreSQL TLS tests skipped: no TLS setup found (run ${SETUP} as root)`);
}

async function serverSpeaksTls(): Promise<boolean> {
  if (!fs.existsSync(CA)) return false;
  const client = new pg.Client({
    connectionString: 'postgres://postgres@127.0.0.1:5432/test',
    ssl: { ca: fs.readFileSync(CA, 'utf8') },
  });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const opened: Database[] = [];
let forwarder: net.Server;
let forwardedPort = 0;

beforeAll(async () => {
  // 127.0.0.2 reaches the same PostgreSQL, under a name its certificate does not carry.
  forwarder = net.createServer((socket) => {
    const upstream = net.connect(5432, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => forwarder.listen(0, '127.0.0.2', resolve));
  forwardedPort = (forwarder.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await Promise.all(opened.map((db) => db.close()));
  await new Promise((resolve) => forwarder.close(resolve));
});

async function open(url: string, caFile: string | null): Promise<Database> {
  const db = await openDatabase({
    databaseUrl: url,
    databaseCaFile: caFile,
    dataDir: '',
    holder: 'test',
  });
  opened.push(db);
  return db;
}

async function sslInUse(db: Database): Promise<boolean | undefined> {
  const { rows } = await sql<{ ssl: boolean }>`
    select ssl from pg_stat_ssl where pid = pg_backend_pid()`.execute(db.control);
  return rows[0]?.ssl;
}

async function refusal(db: Database): Promise<string> {
  const error = await db.ping().then(
    () => null,
    (e: unknown) => e as NodeJS.ErrnoException,
  );
  expect(error).not.toBeNull();
  return error?.code ?? '';
}

describe.runIf(!available && process.env.CI === 'true')('PostgreSQL TLS setup in CI', () => {
  it('is present (the CI step running pg-tls-setup.sh must have succeeded)', () => {
    expect.fail(`no PostgreSQL TLS setup at ${TLS_DIR}: run ${SETUP}`);
  });
});

describe.runIf(available)('PostgreSQL over TLS with sslmode=verify-full', () => {
  it('connects with the configured CA, and the server reports the connection as TLS', async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test?sslmode=verify-full',
      PGSSLROOTCERT: CA,
    });
    const db = await open(config.databaseUrl ?? '', config.databaseCaFile);

    expect(await sslInUse(db)).toBe(true);
  });

  it('connects by the name localhost, which the certificate also carries', async () => {
    const db = await open('postgres://postgres@localhost:5432/test?sslmode=verify-full', CA);

    expect(await sslInUse(db)).toBe(true);
  });

  it('takes the CA from sslrootcert in the URL when none is configured', async () => {
    const db = await open(
      `postgres://postgres@127.0.0.1:5432/test?sslmode=verify-full&sslrootcert=${encodeURIComponent(CA)}`,
      null,
    );

    expect(await sslInUse(db)).toBe(true);
  });

  it('refuses a server whose certificate chains to another CA', async () => {
    const db = await open('postgres://postgres@127.0.0.1:5432/test?sslmode=verify-full', OTHER_CA);

    expect(await refusal(db)).toMatch(
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER/,
    );
  });

  it('uses the configured CA in preference to the sslrootcert of the URL', async () => {
    const db = await open(
      `postgres://postgres@127.0.0.1:5432/test?sslmode=verify-full&sslrootcert=${encodeURIComponent(CA)}`,
      OTHER_CA,
    );

    expect(await refusal(db)).not.toBe('');
  });

  it('refuses a host name the certificate does not carry', async () => {
    const db = await open(
      `postgres://postgres@127.0.0.2:${String(forwardedPort)}/test?sslmode=verify-full`,
      CA,
    );

    expect(await refusal(db)).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('still accepts plain connections where no TLS is asked for (development, tests)', async () => {
    const db = await open('postgres://postgres@127.0.0.1:5432/test', null);

    expect(await sslInUse(db)).toBe(false);
  });
});
