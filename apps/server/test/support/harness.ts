import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Secret, TOTP } from 'otpauth';
import pg from 'pg';
import { buildApp, createServices, type Services } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createLogger } from '../../src/http/logging.js';
import type { Database } from '../../src/platform/db/database.js';
import { openPlatform, type Platform } from '../../src/platform/index.js';
import type { Store } from '../../src/platform/store/store.js';
import type { ObjectStore } from '../../src/platform/objects/index.js';
import type { Role } from '../../src/platform/db/tables.js';
import type { Tenant } from '../../src/modules/tenants/service.js';
import {
  KANA_MARKER,
  MARKED_PHONE,
  MARKER,
  DIGIT_MARKER,
  marked,
  recordLogChunk,
} from './canary.js';

/**
 * One app per test file, on the embedded defaults or, when DATABASE_URL / REDIS_URL are set,
 * on the real PostgreSQL and Redis. Every test makes its own tenant, so tests never share data.
 */
export interface TestApp {
  app: FastifyInstance;
  /** The outside world the app runs on (key provider, field cipher) for key-rotation tests. */
  platform: Platform;
  services: Services;
  db: Database;
  store: Store;
  objects: ObjectStore;
  config: Config;
  /** Every log line the app wrote, as raw text. */
  logs: string[];
  dataDir: string;
  /** Stops the app and closes the database but keeps the data folder (for a CLI run after it). */
  release(): Promise<void>;
  close(): Promise<void>;
}

export const ORIGIN = 'http://localhost:8080';
/** Carries the log canary too: a password must never reach a log line. */
export const PASSWORD = `correct-horse-battery-${MARKER}`;

export interface TestAppOptions {
  onDisk?: boolean;
  /**
   * PostgreSQL only: serve requests as a least-privilege role of this app's own, as production
   * must (MEDICONNECT_DB_APP_ROLE), created here and dropped at close. Ignored on PGlite, which
   * has one user and no roles.
   */
  appRole?: boolean;
}

export async function startTestApp(
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediconnect-test-'));
  const appRole =
    options.appRole === true && process.env.DATABASE_URL !== undefined
      ? await createAppRole(process.env.DATABASE_URL)
      : null;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '8080',
    MEDICONNECT_DATA_DIR: dataDir,
    MEDICONNECT_WEB_DIST: path.join(dataDir, 'no-web'),
    LOG_LEVEL: 'info',
    // Test files run side by side against one Redis: each app keeps its own keys.
    MEDICONNECT_REDIS_PREFIX: `test-${crypto.randomBytes(6).toString('hex')}:`,
    // Every test request comes from 127.0.0.1: per-IP limits would throttle the suite itself.
    // The brute-force tests start their own app with the production defaults.
    MEDICONNECT_LOGIN_LIMIT_PER_IP: '1000000',
    MEDICONNECT_MFA_LIMIT_PER_IP: '1000000',
    MEDICONNECT_REFRESH_LIMIT_PER_IP: '1000000',
    ...(process.env.DATABASE_URL === undefined ? {} : { DATABASE_URL: process.env.DATABASE_URL }),
    ...(process.env.REDIS_URL === undefined ? {} : { REDIS_URL: process.env.REDIS_URL }),
    ...(appRole === null ? {} : { MEDICONNECT_DB_APP_ROLE: appRole.name }),
    ...env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const text = chunk.toString('utf8');
      logs.push(text);
      recordLogChunk(text);
      callback();
    },
  });
  const platform = await openPlatform(config, {
    holder: 'test',
    logger: createLogger('info', sink),
    inMemoryDatabase: options.onDisk !== true,
  });
  const { db, store } = platform;
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await app.close();
    await platform.close();
  };
  const services = createServices(platform);
  const app = await buildApp(platform, services);
  return {
    app,
    platform,
    services,
    db,
    store,
    objects: platform.objects,
    config,
    logs,
    dataDir,
    release,
    async close() {
      await release();
      await appRole?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A NOLOGIN role of one test file's own on the shared server; the test login may SET ROLE to it. */
async function createAppRole(databaseUrl: string) {
  const name = `mc_app_${crypto.randomBytes(5).toString('hex')}`;
  const asOwner = async (statement: string) => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await asOwner(`create role ${name} nologin`);
  return {
    name,
    drop: async () => {
      await asOwner(`drop owned by ${name}`);
      await asOwner(`drop role ${name}`);
    },
  };
}

export interface Staff {
  id: string;
  email: string;
  role: Role;
  token: string;
}

export interface TestClinic {
  tenant: Tenant;
  /** Creates an account and logs it in. */
  staff(role: Role, options?: { patientId?: string }): Promise<Staff>;
}

export async function createClinic(t: TestApp): Promise<TestClinic> {
  const code = `t${crypto.randomBytes(6).toString('hex')}`;
  const tenant = await t.services.tenants.create(code, `Clinic ${code} ${MARKER}`);
  return {
    tenant,
    async staff(role, options = {}) {
      const email = staffEmail(role, code);
      const account = await t.services.accounts.create(tenant, {
        email,
        role,
        displayName: staffName(role, code),
        password: PASSWORD,
        patientId: options.patientId ?? null,
      });
      const login = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { tenant: code, email, password: PASSWORD },
      });
      const done = await completeLogin(t, email, login);
      return {
        id: account.id,
        email,
        role,
        token: done.json<{ accessToken: string }>().accessToken,
      };
    },
  };
}

/** Staff emails and names carry the log canary (test/support/canary.ts). */
function staffEmail(role: Role, tenantCode: string): string {
  return `${role}-${MARKER}-${crypto.randomBytes(4).toString('hex')}@${tenantCode}.example`;
}

export function staffName(role: Role, tenantCode: string): string {
  return `${role} ${tenantCode} ${MARKER}`;
}

export function bearer(staff: { token: string }): Record<string, string> {
  return { authorization: `Bearer ${staff.token}` };
}

/** A valid new-patient body; override what the test is about. */
export function patientBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  // Names, kana, phone, address and insurance symbol/number carry the log canary; the
  // 保険者番号 (check digit), branch, birth date and postal code cannot.
  return {
    familyName: `試験${MARKER}`,
    givenName: '太郎',
    familyNameKana: `シケン${KANA_MARKER}`,
    givenNameKana: 'タロウ',
    birthDate: '1980-05-06',
    sex: 'male',
    phone: MARKED_PHONE,
    email: `${MARKER}@example.jp`,
    postalCode: '100-0001',
    address: marked('東京都千代田区1-1'),
    insurance: { insurerNumber: '01130012', symbol: MARKER, number: DIGIT_MARKER, branch: '01' },
    ...overrides,
  };
}

export async function createPatient(
  t: TestApp,
  clerk: Staff,
  overrides: Record<string, unknown> = {},
): Promise<{ id: string; version: number }> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v1/patients',
    headers: bearer(clerk),
    payload: patientBody(overrides),
  });
  if (response.statusCode !== 201) throw new Error(`create patient failed: ${response.body}`);
  return response.json();
}

export async function assignCare(
  t: TestApp,
  by: Staff,
  patientId: string,
  staffId: string,
): Promise<void> {
  const response = await t.app.inject({
    method: 'POST',
    url: `/api/v1/patients/${patientId}/care-team`,
    headers: bearer(by),
    payload: { staffId },
  });
  if (response.statusCode !== 201) throw new Error(`assign care failed: ${response.body}`);
}

export function errorCode(response: LightMyRequestResponse): string | undefined {
  return response.json<{ error?: { code?: string } }>().error?.code;
}

/** Pulls a Set-Cookie value out of a response. */
export function cookieValue(response: LightMyRequestResponse, name: string): string | undefined {
  return response.cookies.find((c) => c.name === name)?.value;
}

// ---- added for the API, audit and boundary suites ----

let passwordHash: Promise<string> | null = null;

/**
 * Inserts an account whose password is PASSWORD, hashed once per file with the real bcrypt cost:
 * that halves the bcrypt work per account. Login still goes over HTTP with a real comparison, so
 * every token is a real one; AccountService.create is exercised by createClinic.
 */
async function insertAccount(
  t: TestApp,
  tenant: Tenant,
  role: Role,
  patientId: string | null,
): Promise<{ id: string; email: string }> {
  passwordHash ??= import('../../src/modules/auth/passwords.js').then((m) =>
    m.hashPassword(PASSWORD),
  );
  const id = crypto.randomUUID();
  const email = staffEmail(role, tenant.code);
  await t.db.control
    .insertInto('users')
    .values({
      id,
      tenant_id: tenant.id,
      email,
      password_hash: await passwordHash,
      role,
      display_name: staffName(role, tenant.code),
      patient_id: patientId,
    })
    .execute();
  return { id, email };
}

/** Creates an account without logging it in (for tests about login itself). */
export function createAccount(
  t: TestApp,
  clinic: TestClinic,
  role: Role,
  options: { patientId?: string } = {},
): Promise<{ id: string; email: string }> {
  return insertAccount(t, clinic.tenant, role, options.patientId ?? null);
}

export interface SignedIn {
  response: LightMyRequestResponse;
  accessToken: string;
  /** The `mc_refresh` cookie value. */
  refresh: string;
  /** The `mc_csrf` cookie value. */
  csrf: string;
}

/** Logs in over HTTP and keeps what a browser would keep: the token and both cookies. */
export async function signIn(
  t: TestApp,
  tenantCode: string,
  email: string,
  password = PASSWORD,
): Promise<SignedIn> {
  const first = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    headers: { origin: ORIGIN },
    payload: { tenant: tenantCode, email, password },
  });
  const response = await completeLogin(t, email, first);
  return {
    response,
    accessToken: response.json<{ accessToken: string }>().accessToken,
    refresh: cookieValue(response, 'mc_refresh') ?? '',
    csrf: cookieValue(response, 'mc_csrf') ?? '',
  };
}

/** Like createClinic, but its staff() inserts accounts with the shared hash (see insertAccount). */
export async function createFastClinic(t: TestApp): Promise<TestClinic> {
  const clinic = await createClinic(t);
  return {
    tenant: clinic.tenant,
    async staff(role, options = {}) {
      const account = await insertAccount(t, clinic.tenant, role, options.patientId ?? null);
      const session = await signIn(t, clinic.tenant.code, account.email);
      return { ...account, role, token: session.accessToken };
    },
  };
}

/** Calls refresh the way the web app does: both cookies, the CSRF header, an allowed Origin. */
export function refreshWith(
  t: TestApp,
  cookies: { refresh: string; csrf: string },
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/refresh',
    cookies: { mc_refresh: cookies.refresh, mc_csrf: cookies.csrf },
    headers: { 'x-csrf-token': cookies.csrf, origin: ORIGIN, ...headers },
  });
}

/** The tenant's audit trail, oldest first. */
export function auditEvents(t: TestApp, tenant: Tenant) {
  return t.services.tenants
    .handle(tenant)
    .db.selectFrom('audit_events')
    .selectAll()
    .orderBy('occurred_at')
    .execute();
}

// ---- MFA: doctors and admins enroll at their first login, as in the product ----

/** TOTP secrets of accounts this file enrolled, by email, so later logins can answer the MFA step. */
const totpSecrets = new Map<string, string>();

export function totpCode(secret: string, timestamp = Date.now()): string {
  return new TOTP({
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  }).generate({ timestamp });
}

export function secretOf(email: string): string | undefined {
  return totpSecrets.get(email);
}

/**
 * Follows a login response through its MFA step over HTTP, like the web app: enrollment (QR
 * secret → first code → session) or verification. A test that logs the same account in twice
 * within one 30-second step would have its second code refused as a replay (as it should be),
 * so before verifying, the account's last accepted step is reset in the database: a shortcut
 * for the harness only; the replay protection has its own tests.
 */
export async function completeLogin(
  t: TestApp,
  email: string,
  response: LightMyRequestResponse,
): Promise<LightMyRequestResponse> {
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.body}`);
  const step = response.json<{ status: string; mfaToken?: string }>();
  const headers = { origin: ORIGIN };
  if (step.status === 'ok') return response;
  if (step.status === 'mfa_enrollment_required') {
    const enroll = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/totp/enroll',
      headers,
      payload: { mfaToken: step.mfaToken },
    });
    // The body names only an error code and a request id: enough to tell a flake from a bug.
    if (enroll.statusCode !== 200) throw new Error(`TOTP enrollment failed: ${enroll.body}`);
    const { secret } = enroll.json<{ secret: string }>();
    totpSecrets.set(email, secret);
    const confirm = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/totp/confirm',
      headers,
      payload: { mfaToken: step.mfaToken, code: totpCode(secret) },
    });
    if (confirm.statusCode !== 200) throw new Error(`MFA enrollment failed: ${confirm.body}`);
    return confirm;
  }
  if (step.status === 'mfa_required') {
    const secret = totpSecrets.get(email);
    if (secret === undefined) throw new Error(`no TOTP secret known for ${email}`);
    await t.db.control
      .updateTable('users')
      .set({ mfa_last_step: 0 })
      .where('email', '=', email)
      .execute();
    const verify = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/verify',
      headers,
      payload: { mfaToken: step.mfaToken, code: totpCode(secret) },
    });
    if (verify.statusCode !== 200) throw new Error(`MFA verification failed: ${verify.body}`);
    return verify;
  }
  throw new Error(`unexpected login step ${step.status}`);
}

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Every API route the app serves, read from Fastify's route tree, so a new route is covered too. */
export function servedApiRoutes(app: FastifyInstance): { method: RouteMethod; url: string }[] {
  const routes: { method: RouteMethod; url: string }[] = [];
  const prefixes: string[] = [];
  const methods = new Set<string>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:│ {3}| {4})*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (match === null) continue;
    const depth = (match[1] ?? '').length / 4;
    const url = `${depth === 0 ? '' : (prefixes[depth - 1] ?? '')}${match[2] ?? ''}`;
    prefixes[depth] = url;
    for (const method of (match[3] ?? '').split(', ')) {
      if (methods.has(method)) routes.push({ method: method as RouteMethod, url });
    }
  }
  return routes.filter((route) => route.url.startsWith('/api/v1/'));
}
