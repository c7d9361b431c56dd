/**
 * A benchmark target, run in its own process so the load generator does not share its CPU:
 * `baseline` is bare Fastify with a one-row read; `full` is the real app and its real route.
 * Prints one JSON line ({port, path, token}) when ready.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Fastify from 'fastify';
import { buildApp, createServices } from '../src/app.js';
import { callerOf } from '../src/http/context.js';
import { AppError } from '../src/http/errors.js';
import { toPatient } from '../src/modules/patients/service.js';
import { requirePatientAccess } from '../src/policy/access.js';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/http/logging.js';
import { openPlatform } from '../src/platform/index.js';

const mode = process.argv[2];
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediconnect-bench-'));
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

const code = `bench${crypto.randomBytes(4).toString('hex')}`;
const tenant = await services.tenants.create(code, 'Bench clinic');
const password = 'bench-password-long-1';
const clerk = await services.accounts.create(tenant, {
  email: 'clerk@bench.example',
  role: 'clerk',
  displayName: 'clerk',
  password,
});
// A nurse in care: the same care check and audit as a doctor, without the MFA step at login.
const nurse = await services.accounts.create(tenant, {
  email: 'nurse@bench.example',
  role: 'nurse',
  displayName: 'nurse',
  password,
});
const handle = services.tenants.handle(tenant);
const patientId = crypto.randomUUID();
await handle.db
  .insertInto('patients')
  .values({
    id: patientId,
    version: 1,
    family_name: '測定',
    given_name: '花子',
    family_name_kana: 'ソクテイ',
    given_name_kana: 'ハナコ',
    sort_name: 'ソクテイ ハナコ',
    birth_date: '1990-01-01',
    sex: 'female',
    phone: null,
    email: null,
    postal_code: null,
    address: null,
    insurer_number: null,
    insurance_symbol: null,
    insurance_number: null,
    insurance_branch: null,
    updated_at: new Date(),
    created_by: clerk.id,
    updated_by: clerk.id,
  })
  .execute();
await handle.db
  .insertInto('care_team')
  .values({
    id: crypto.randomUUID(),
    patient_id: patientId,
    staff_id: nurse.id,
    assigned_by: clerk.id,
    ended_at: null,
  })
  .execute();

if (mode === 'baseline') {
  const app = Fastify();
  app.get('/row/:id', async (request) => {
    const { id } = request.params as { id: string };
    return handle.db
      .selectFrom('patients')
      .select(['id', 'family_name_kana', 'birth_date'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  console.log(JSON.stringify({ port, path: `/row/${patientId}`, token: null }));
} else {
  const app = await buildApp(platform, services);
  // Event-loop delay, sampled while the load runs; read and reset by the benchmark.
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  app.get('/bench/lag', async () => {
    const ms = (ns: number) => Math.round(ns / 1e5) / 10;
    const figures = { p50: ms(lag.percentile(50)), p99: ms(lag.percentile(99)), max: ms(lag.max) };
    lag.reset();
    return figures;
  });
  // Bench only, never in the product: the patient read exactly as GET /patients/{id} does it
  // (token, tenant, care check, same row, same answer) minus the audit insert, so
  // the benchmark can put a number on what auditing costs.
  app.get('/bench/unaudited/patients/:id', async (request, reply) => {
    const caller = callerOf(request);
    const { id } = request.params as { id: string };
    await requirePatientAccess(caller.tenant.db, caller, 'patient.read', id);
    const row = await caller.tenant.db
      .selectFrom('patients')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (row === undefined) throw new AppError('not_found');
    const patient = toPatient(row);
    return reply.header('etag', `"${patient.version}"`).send(patient);
  });
  // How far the background chainer is behind right after the load, then a full verification.
  app.get('/bench/verify', async () => {
    const behind = await handle.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('audit_chain')
              .select('seq')
              .whereRef('audit_chain.seq', '=', 'audit_events.seq'),
          ),
        ),
      )
      .executeTakeFirstOrThrow();
    const report = await services.auditChainer.verify(tenant);
    return { ...report, unlinkedAfterLoad: Number(behind.count) };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const login = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { tenant: code, email: 'nurse@bench.example', password },
  });
  const token = login.json<{ accessToken: string }>().accessToken;
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  console.log(
    JSON.stringify({
      port,
      path: `/api/v1/patients/${patientId}`,
      unauditedPath: `/bench/unaudited/patients/${patientId}`,
      token,
      login: { tenant: code, email: 'clerk@bench.example', password },
    }),
  );
}
