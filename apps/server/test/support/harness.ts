import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp, createServices, type Services } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createLogger } from '../../src/http/logging.js';
import { openDatabase, type Database } from '../../src/platform/db/database.js';
import { loadSigningKeys } from '../../src/platform/keys/signing-keys.js';
import { openStore } from '../../src/platform/store/index.js';
import type { Store } from '../../src/platform/store/store.js';
import type { Role } from '../../src/platform/db/tables.js';
import type { Tenant } from '../../src/modules/tenants/service.js';

/**
 * One app per test file, on the embedded defaults or, when DATABASE_URL / REDIS_URL are set,
 * on the real PostgreSQL and Redis. Every test makes its own tenant, so tests never share data.
 */
export interface TestApp {
  app: FastifyInstance;
  services: Services;
  db: Database;
  store: Store;
  config: Config;
  /** Every log line the app wrote, as raw text. */
  logs: string[];
  dataDir: string;
  close(): Promise<void>;
}

export const ORIGIN = 'http://localhost:8080';
export const PASSWORD = 'correct-horse-battery-9';

export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediconnect-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '8080',
    MEDICONNECT_DATA_DIR: dataDir,
    MEDICONNECT_WEB_DIST: path.join(dataDir, 'no-web'),
    LOG_LEVEL: 'info',
    ...(process.env.DATABASE_URL === undefined ? {} : { DATABASE_URL: process.env.DATABASE_URL }),
    ...(process.env.REDIS_URL === undefined ? {} : { REDIS_URL: process.env.REDIS_URL }),
    ...env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString('utf8'));
      callback();
    },
  });
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir, holder: 'test', inMemory: true });
  await db.migrateControl();
  const store = await openStore(config.redisUrl);
  const keys = await loadSigningKeys(null, dataDir);
  const logger = createLogger('info', sink);
  const platform = { config, db, store, keys, logger };
  const services = createServices(platform);
  const app = await buildApp(platform, services);
  return {
    app, services, db, store, config, logs, dataDir,
    async close() {
      await app.close();
      await store.close();
      await db.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
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
  const tenant = await t.services.tenants.create(code, `Clinic ${code}`);
  return {
    tenant,
    async staff(role, options = {}) {
      const email = `${role}-${crypto.randomBytes(4).toString('hex')}@${code}.example`;
      const account = await t.services.accounts.create(tenant, {
        email, role, displayName: `${role} ${code}`, password: PASSWORD, patientId: options.patientId ?? null,
      });
      const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login',
        payload: { tenant: code, email, password: PASSWORD } });
      if (login.statusCode !== 200) throw new Error(`login failed: ${login.body}`);
      return { id: account.id, email, role, token: login.json<{ accessToken: string }>().accessToken };
    },
  };
}

export function bearer(staff: { token: string }): Record<string, string> {
  return { authorization: `Bearer ${staff.token}` };
}

/** A valid new-patient body; override what the test is about. */
export function patientBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    familyName: '試験', givenName: '太郎', familyNameKana: 'シケン', givenNameKana: 'タロウ',
    birthDate: '1980-05-06', sex: 'male', phone: '090-1111-2222', email: null,
    postalCode: '100-0001', address: '東京都千代田区1-1',
    insurance: { insurerNumber: '01130012', symbol: '12', number: '345', branch: '01' },
    ...overrides,
  };
}

export async function createPatient(t: TestApp, clerk: Staff, overrides: Record<string, unknown> = {})
  : Promise<{ id: string; version: number }> {
  const response = await t.app.inject({ method: 'POST', url: '/api/v1/patients', headers: bearer(clerk),
    payload: patientBody(overrides) });
  if (response.statusCode !== 201) throw new Error(`create patient failed: ${response.body}`);
  return response.json();
}

export async function assignCare(t: TestApp, by: Staff, patientId: string, staffId: string): Promise<void> {
  const response = await t.app.inject({ method: 'POST', url: `/api/v1/patients/${patientId}/care-team`,
    headers: bearer(by), payload: { staffId } });
  if (response.statusCode !== 201) throw new Error(`assign care failed: ${response.body}`);
}

export function errorCode(response: LightMyRequestResponse): string | undefined {
  return response.json<{ error?: { code?: string } }>().error?.code;
}

/** Pulls a Set-Cookie value out of a response. */
export function cookieValue(response: LightMyRequestResponse, name: string): string | undefined {
  return response.cookies.find((c) => c.name === name)?.value;
}
