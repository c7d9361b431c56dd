/**
 * `npm run bench:crypto`: what field encryption costs on a patient read and an encounter read.
 * In one run: the full authenticated read over the app (token, care check, audit write,
 * decryption), then the decryption alone of exactly the rows that read opens, with the key ring
 * warm as it is in a request. The difference is the same read path without decryption.
 * Bounded: a fixed number of sequential requests per read.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp, createServices } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/http/logging.js';
import { openPlatform } from '../src/platform/index.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2000);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediconnect-bench-crypto-'));
const config = loadConfig({
  ...process.env,
  NODE_ENV: 'test',
  MEDICONNECT_DATA_DIR: dataDir,
  LOG_LEVEL: 'silent',
  MEDICONNECT_DEMO: 'false',
  MEDICONNECT_LOGIN_LIMIT_PER_IP: '1000000',
});
const platform = await openPlatform(config, {
  holder: 'bench',
  logger: createLogger('silent'),
  inMemoryDatabase: true,
});
const services = createServices(platform);
const app = await buildApp(platform, services);

const code = `bench${crypto.randomBytes(4).toString('hex')}`;
const tenant = await services.tenants.create(code, 'Bench clinic');
const password = 'bench-password-long-1';
const tokens: Record<string, string> = {};
for (const role of ['clerk', 'nurse'] as const) {
  const email = `${role}@bench.example`;
  await services.accounts.create(tenant, { email, role, displayName: role, password });
  const login = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { tenant: code, email, password },
  });
  tokens[role] = login.json<{ accessToken: string }>().accessToken;
}
const call = async (role: string, method: 'GET' | 'POST', url: string, payload?: object) => {
  const response = await app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${tokens[role] ?? ''}` },
    ...(payload === undefined ? {} : { payload }),
  });
  if (response.statusCode >= 300) throw new Error(`${method} ${url}: ${response.statusCode}`);
  return response.json<{ id: string; currentVersion: number }>();
};

const patient = await call('clerk', 'POST', '/api/v1/patients', {
  familyName: '測定',
  givenName: '花子',
  familyNameKana: 'ソクテイ',
  givenNameKana: 'ハナコ',
  birthDate: '1990-01-01',
  sex: 'female',
  insurance: { insurerNumber: '01130012', symbol: '記号', number: '12345678', branch: '01' },
});
const nurseId = (
  await platform.db.control
    .selectFrom('users')
    .select('id')
    .where('tenant_id', '=', tenant.id)
    .where('email', '=', 'nurse@bench.example')
    .executeTakeFirstOrThrow()
).id;
await app.inject({
  method: 'POST',
  url: `/api/v1/patients/${patient.id}/care-team`,
  headers: { authorization: `Bearer ${tokens.clerk ?? ''}` },
  payload: { staffId: nurseId },
});
const note = (n: number) => ({
  subjective: `三日前から咳と発熱。夜間に悪化。(${String(n)}) `.repeat(8),
  objective: '体温 38.2 度、咽頭発赤あり、肺音清。'.repeat(4),
  assessment: '急性上気道炎の疑い。',
  plan: '対症療法、3 日後に再診。'.repeat(3),
});
const diagnoses = [
  { code: 'J06.9', name: '急性上気道炎' },
  { code: 'R50.9', name: '発熱' },
  { code: 'R05', name: '咳' },
];
// An encounter with three versions (two amendments): its read opens every version.
let encounter = await call('nurse', 'POST', `/api/v1/patients/${patient.id}/encounters`, {
  type: 'in_person',
  startedAt: '2025-03-01T09:00:00.000Z',
  note: note(1),
  diagnoses,
});
for (const n of [2, 3]) {
  encounter = await call('nurse', 'POST', `/api/v1/encounters/${encounter.id}/amendments`, {
    baseVersion: encounter.currentVersion,
    reason: '追記',
    note: note(n),
    diagnoses,
  });
}

async function perRead(work: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 100; i++) await work(); // warm-up
  const started = performance.now();
  for (let i = 0; i < ROUNDS; i++) await work();
  return ((performance.now() - started) / ROUNDS) * 1000;
}

const handle = services.tenants.handle(tenant);
await handle.fields.preload();
const patientRow = await handle.db
  .selectFrom('patients')
  .selectAll()
  .where('id', '=', patient.id)
  .executeTakeFirstOrThrow();
const versionRows = await handle.db
  .selectFrom('encounter_versions')
  .selectAll()
  .where('encounter_id', '=', encounter.id)
  .execute();
const diagnosisRows = await handle.db
  .selectFrom('diagnoses')
  .selectAll()
  .where('encounter_id', '=', encounter.id)
  .execute();

const reads = [
  {
    name: 'patient read (4 encrypted fields)',
    full: () => call('nurse', 'GET', `/api/v1/patients/${patient.id}`),
    decrypt: () => handle.fields.open('patients', patientRow),
  },
  {
    name: `encounter read (3 versions, ${diagnosisRows.length} diagnoses)`,
    full: () => call('nurse', 'GET', `/api/v1/encounters/${encounter.id}`),
    decrypt: () =>
      Promise.all([
        handle.fields.openAll('encounter_versions', versionRows),
        handle.fields.openAll('diagnoses', diagnosisRows),
      ]),
  },
];

const database = process.env.DATABASE_URL === undefined ? 'PGlite (embedded)' : 'PostgreSQL';
console.log(`Field-encryption overhead: ${database}, ${ROUNDS} sequential reads each`);
for (const read of reads) {
  const full = await perRead(read.full);
  const decrypt = await perRead(read.decrypt);
  const plain = full - decrypt;
  console.log(
    `${read.name.padEnd(44)} full ${full.toFixed(0).padStart(6)} µs   decryption ${decrypt
      .toFixed(1)
      .padStart(6)} µs   without it ${plain.toFixed(0).padStart(6)} µs   ` +
      `share ${((decrypt / full) * 100).toFixed(1)}%   ratio full/without ${(full / plain).toFixed(3)}`,
  );
}
await app.close();
await platform.close();
fs.rmSync(dataDir, { recursive: true, force: true });
