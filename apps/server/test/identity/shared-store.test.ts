import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServices } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/http/logging.js';
import { openPlatform, type Platform } from '../../src/platform/index.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

// Two API processes in front of one PostgreSQL and one Redis (the machine's own, on loopback):
// a lockout or a logout seen by one instance holds on the other.
const DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = 'redis://127.0.0.1:6379';
const PASSWORD = 'shared-store-passphrase-3';

let dataDir: string;
let platform: Platform;
let first: ServerProcess;
let second: ServerProcess;
let tenantCode: string;
const email = 'clerk@shared.example';

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediconnect-shared-'));
  const env = {
    DATABASE_URL,
    REDIS_URL,
    MEDICONNECT_DATA_DIR: dataDir,
    MEDICONNECT_DEMO: 'false',
    MEDICONNECT_PUBLIC_URL: 'http://mediconnect.test',
    MEDICONNECT_LOCKOUT_SECONDS: '600',
    // The shared test database holds other test runs' clinics, some written by code from
    // before field encryption: encrypting them is not this test's business.
    MEDICONNECT_LEGACY_ENCRYPTION: 'command',
    // Both instances share this namespace, and nothing else in the test run does.
    MEDICONNECT_REDIS_PREFIX: `shared-${crypto.randomBytes(6).toString('hex')}:`,
  };
  platform = await openPlatform(loadConfig({ ...env, NODE_ENV: 'test' }), {
    holder: 'test',
    logger: createLogger('silent'),
  });
  const services = createServices(platform);
  tenantCode = `s${crypto.randomBytes(6).toString('hex')}`;
  const tenant = await services.tenants.create(tenantCode, 'Shared clinic');
  await services.accounts.create(tenant, {
    email,
    role: 'clerk',
    displayName: 'clerk',
    password: PASSWORD,
  });
  [first, second] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
}, 120_000);

afterAll(async () => {
  await Promise.all([first.stop(), second.stop()]);
  await platform.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Each instance's development allowlist names its own loopback origin. */
const origin = (server: ServerProcess) => server.url;

async function login(server: ServerProcess, password: string): Promise<Response> {
  return fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: tenantCode, email, password }),
  });
}

it('denies on one instance an access token logged out on the other', async () => {
  const signedIn = (await (await login(first, PASSWORD)).json()) as { accessToken: string };
  const auth = { authorization: `Bearer ${signedIn.accessToken}` };
  const before = await fetch(`${second.url}/api/v1/me`, { headers: auth });

  const logout = await fetch(`${first.url}/api/v1/auth/logout`, {
    method: 'POST',
    headers: {
      ...auth,
      origin: origin(first),
      'x-csrf-token': 'x'.repeat(32),
      cookie: `mc_csrf=${'x'.repeat(32)}`,
    },
  });
  const after = await fetch(`${second.url}/api/v1/me`, { headers: auth });

  expect(before.status).toBe(200);
  expect(logout.status).toBe(204);
  expect(after.status).toBe(401);
});

it('denies on one instance an access token whose session was revoked on the other', async () => {
  const signedIn = (await (await login(first, PASSWORD)).json()) as { accessToken: string };
  const auth = { authorization: `Bearer ${signedIn.accessToken}` };

  const revoke = await fetch(`${first.url}/api/v1/auth/sessions/revoke-all`, {
    method: 'POST',
    headers: auth,
  });
  const elsewhere = await fetch(`${second.url}/api/v1/me`, { headers: auth });

  expect(revoke.status).toBe(204);
  expect(elsewhere.status).toBe(401);
});

it('holds a lockout earned on one instance on the other', async () => {
  for (let i = 0; i < 5; i++) await login(first, 'not-the-password-1');

  const right = await login(second, PASSWORD);

  expect(right.status).toBe(429);
  expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(500);
});
