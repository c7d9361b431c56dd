import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  createAccount,
  createClinic,
  ORIGIN,
  PASSWORD,
  signIn,
  startTestApp,
  type TestApp,
} from '../support/harness.js';

// The operator's command and the API share PostgreSQL and Redis (the machine's own, on loopback),
// as they would in production.
const env = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
  REDIS_URL: 'redis://127.0.0.1:6379',
};
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp(env);
});
afterAll(async () => {
  await t.close();
});

const run = promisify(execFile);

it('suspending a clinic from the command line ends its sessions at once and refuses its logins', async () => {
  const clinic = await createClinic(t);
  const account = await createAccount(t, clinic, 'nurse');
  const session = await signIn(t, clinic.tenant.code, account.email);

  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'tenant', 'suspend', '--code', clinic.tenant.code],
    {
      cwd: path.resolve(import.meta.dirname, '../..'),
      env: {
        PATH: process.env.PATH ?? '',
        ...env,
        MEDICONNECT_DATA_DIR: t.dataDir,
        MEDICONNECT_REDIS_PREFIX: t.config.redisPrefix,
        // The shared test database holds other test runs' clinics, some written by code from
        // before field encryption: encrypting them is not this test's business.
        MEDICONNECT_LEGACY_ENCRYPTION: 'command',
      },
    },
  );
  const me = await t.app.inject({
    method: 'GET',
    url: '/api/v1/me',
    headers: { authorization: `Bearer ${session.accessToken}` },
  });
  const login = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    headers: { origin: ORIGIN },
    payload: { tenant: clinic.tenant.code, email: account.email, password: PASSWORD },
  });

  expect(stdout).toContain('1 session(s) ended');
  expect(me.statusCode).toBe(401);
  expect(login.statusCode).toBe(401);
}, 60_000);
