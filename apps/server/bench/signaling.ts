/**
 * `npm run bench:signaling`: one API instance on the embedded defaults holding SOCKETS
 * authenticated signaling sockets (half doctors, half patients, one room per pair), with PAIRS
 * of them admitted and exchanging messages. Prints the server's memory per socket, the one-way
 * relay latency p50/p99 through the server, and relay throughput against a bare `ws` relay
 * server in this same process, measured in the same run with the same clients.
 *
 * The clients run in a child process (signaling-clients.ts), so the memory figures are the
 * server's alone. Loopback only, bounded counts and durations, stops by itself (hard limit
 * below). Run with --expose-gc (the npm script does) so memory is read after a collection.
 */
import { fork, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { buildApp, createServices } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/http/logging.js';
import { issueRoomToken } from '../src/modules/appointments/room-token.js';
import { openPlatform } from '../src/platform/index.js';

const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 5000);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const HARD_LIMIT_MS = 175_000;
const ROOMS = Math.floor(SOCKETS / 2);
/** This process's CPU time at the client's marks. */
const marks = new Map<string, NodeJS.CpuUsage>();

const started = performance.now();
const deadline = setTimeout(() => {
  console.error('bench:signaling took too long; stopping');
  process.exit(2);
}, HARD_LIMIT_MS);
deadline.unref();

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediconnect-bench-signaling-'));
const config = loadConfig({
  ...process.env,
  NODE_ENV: 'test',
  MEDICONNECT_DATA_DIR: dataDir,
  LOG_LEVEL: 'silent',
  MEDICONNECT_DEMO: 'false',
  DATABASE_URL: '',
  REDIS_URL: '',
});
// The per-socket limit (50/s, burst 100) is lifted so throughput measures the relay, not the
// limit; the latency phase paces its clients under the real limit anyway.
config.signaling = { ...config.signaling, messagesPerSecond: 1e9, messageBurst: 1e9 };
const platform = await openPlatform(config, {
  holder: 'bench',
  logger: createLogger('silent'),
  inMemoryDatabase: true,
});
const services = createServices(platform);
const app = await buildApp(platform, services);
const bare = bareRelay();
let clients: ChildProcess | null = null;

try {
  const { tenant, rooms } = await seed();
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  await bare.listening;
  const barePort = (bare.server.address() as { port: number }).port;
  console.log(
    `setup: ${String(ROOMS)} rooms seeded in ${seconds(started)} s ` +
      `(node ${process.version}, ${String(os.cpus().length)} cores)`,
  );

  await settle(0);
  const before = memory();
  clients = fork(path.join(import.meta.dirname, 'signaling-clients.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const child = messages(clients);
  clients.send({
    api: `ws://127.0.0.1:${String(port)}/api/v1/signaling`,
    bare: `ws://127.0.0.1:${String(barePort)}/`,
    rooms,
    pairs: PAIRS,
    seconds: SECONDS,
  });

  const connected = await child.next<{ sockets: number; ms: number }>('connected');
  // The joins' audit events are linked into the chain before anything is measured.
  await services.auditChainer.verify(tenant);
  await settle(1_000);
  const after = memory();
  const perSocket = (bytes: number) => `${(bytes / connected.sockets / 1024).toFixed(1)} KiB`;
  console.log(
    `connected: ${String(connected.sockets)} authenticated sockets in ${(connected.ms / 1000).toFixed(1)} s`,
  );
  console.log(
    `memory per socket: RSS ${perSocket(after.rss - before.rss)}, ` +
      `JS heap ${perSocket(after.heap - before.heap)} ` +
      `(RSS ${mib(before.rss)} → ${mib(after.rss)} MiB, heap ${mib(before.heap)} → ${mib(after.heap)} MiB)`,
  );

  clients.send('go');
  await child.next('admitted');
  // The admissions' encounters and audit events are written and linked before the clock runs.
  await services.auditChainer.verify(tenant);
  await settle(500);
  clients.send('go');
  const results = await child.next<Results>('results');
  const line = (name: string, r: Phase) =>
    `${name}: latency p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms ` +
    `(${String(r.samples)} messages at ${String(r.pacedRate)}/s per socket); ` +
    `throughput ${r.throughput.toFixed(0)} messages/s`;
  console.log(
    line(
      `API relay (${String(PAIRS)} pairs, ${String(connected.sockets)} sockets open)`,
      results.api,
    ),
  );
  console.log(line(`bare ws relay (${String(PAIRS)} pairs)`, results.bare));
  const cost = (label: string, relayed: number) => {
    const start = marks.get(`${label}:start`);
    const end = marks.get(`${label}:end`);
    if (start === undefined || end === undefined) return NaN;
    return (end.user - start.user + end.system - start.system) / relayed;
  };
  const apiCost = cost('api', results.api.relayed);
  const bareCost = cost('bare', results.bare.relayed);
  console.log(
    `throughput ratio API / bare ws: ${(results.api.throughput / results.bare.throughput).toFixed(2)} ` +
      'as measured (one client process drives both, and can limit both)',
  );
  console.log(
    `server CPU per relayed message: API ${apiCost.toFixed(1)} µs, bare ws ${bareCost.toFixed(1)} µs: ` +
      `on a saturated core the API would relay ${(bareCost / apiCost).toFixed(2)} of the bare rate`,
  );
  console.log(`total ${seconds(started)} s`);
} finally {
  clients?.kill();
  bare.server.close();
  for (const socket of bare.server.clients) socket.terminate();
  await app.close();
  await platform.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  clearTimeout(deadline);
}

interface Phase {
  p50: number;
  p99: number;
  samples: number;
  pacedRate: number;
  throughput: number;
  relayed: number;
}
interface Results {
  api: Phase;
  bare: Phase;
}

/**
 * ROOMS video appointments open now, each with its own doctor and patient account (a doctor
 * cannot hold two rooms at once), written in bulk; room tokens signed as the video-token
 * endpoint signs them.
 */
async function seed() {
  const tenant = await services.tenants.create(
    `bench${crypto.randomBytes(4).toString('hex')}`,
    'Bench clinic',
  );
  const handle = services.tenants.handle(tenant);
  const now = Date.now();
  const rooms = Array.from({ length: ROOMS }, () => ({
    appointment: crypto.randomUUID(),
    doctor: crypto.randomUUID(),
    patientAccount: crypto.randomUUID(),
    patient: crypto.randomUUID(),
  }));
  for (let i = 0; i < rooms.length; i += 500) {
    const chunk = rooms.slice(i, i + 500);
    await platform.db.control
      .insertInto('users')
      .values(
        chunk.flatMap((room, j) => [
          user(tenant.id, room.doctor, 'doctor', i + j, null),
          user(tenant.id, room.patientAccount, 'patient', i + j, room.patient),
        ]),
      )
      .execute();
    await handle.db
      .insertInto('patients')
      .values(
        chunk.map((room) => ({
          id: room.patient,
          version: 1,
          family_name: '測定',
          given_name: '花子',
          family_name_kana: null,
          given_name_kana: null,
          sort_name: 'ソクテイ ハナコ',
          birth_date: '1990-01-01',
          sex: 'female' as const,
          phone: null,
          email: null,
          postal_code: null,
          address: null,
          insurer_number: null,
          insurance_symbol: null,
          insurance_number: null,
          insurance_branch: null,
          insurance_number_bidx: null,
          updated_at: new Date(now),
          created_by: null,
          updated_by: null,
        })),
      )
      .execute();
    await handle.db
      .insertInto('appointments')
      .values(
        chunk.map((room) => ({
          id: room.appointment,
          patient_id: room.patient,
          doctor_id: room.doctor,
          starts_at: new Date(now + 5 * 60_000),
          ends_at: new Date(now + 35 * 60_000),
          type: 'video' as const,
          note: null,
          booked_by: room.doctor,
        })),
      )
      .execute();
  }
  const sign = (userId: string, role: 'doctor' | 'patient', room: string) =>
    issueRoomToken(platform.keys, { userId, tenantId: tenant.id, role, room }).then((t) => t.token);
  const tokens = await Promise.all(
    rooms.map(async (room) => ({
      doctor: await sign(room.doctor, 'doctor', room.appointment),
      patient: await sign(room.patientAccount, 'patient', room.appointment),
    })),
  );
  return { tenant, rooms: tokens };
}

function user(
  tenantId: string,
  id: string,
  role: 'doctor' | 'patient',
  index: number,
  patientId: string | null,
) {
  return {
    id,
    tenant_id: tenantId,
    email: `${role}${String(index)}@bench.example`,
    // Nobody signs in: the room tokens are signed directly.
    password_hash: '!',
    role,
    display_name: `${role} ${String(index)}`,
    patient_id: patientId,
  };
}

/**
 * The baseline: a bare `ws` server that pairs two sockets by their first message and forwards
 * every later message to the partner as it is. No auth, schema, rooms or pub/sub.
 */
function bareRelay() {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 64 * 1024 });
  const waiting = new Map<string, WebSocket>();
  const partners = new Map<WebSocket, WebSocket>();
  server.on('connection', (socket) => {
    socket.once('message', (data: Buffer) => {
      const pair = data.toString('utf8');
      const other = waiting.get(pair);
      if (other === undefined) {
        waiting.set(pair, socket);
      } else {
        waiting.delete(pair);
        partners.set(socket, other);
        partners.set(other, socket);
        socket.send('paired');
        other.send('paired');
      }
      socket.on('message', (message: Buffer, isBinary) => {
        partners.get(socket)?.send(message, { binary: isBinary });
      });
    });
  });
  const listening = new Promise<void>((resolve) => server.once('listening', resolve));
  return { server, listening };
}

/** Waits for typed messages from the client process. */
function messages(child: ChildProcess) {
  const received: { type: string }[] = [];
  child.on('message', (message: { type: string; name?: string }) => {
    // Read at once: the mark is the start or end of a throughput window.
    if (message.type === 'mark') marks.set(message.name ?? '', process.cpuUsage());
    else received.push(message);
  });
  child.on('exit', (code) => {
    if (code !== 0 && code !== null) received.push({ type: 'exit' });
  });
  return {
    async next<T>(type: string): Promise<T> {
      for (;;) {
        const index = received.findIndex((m) => m.type === type || m.type === 'exit');
        const found = received[index];
        if (found !== undefined) {
          if (found.type === 'exit') throw new Error('the client process failed');
          received.splice(index, 1);
          return found as T;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}

/** Lets the audit chainer and pending joins finish, then collects garbage twice. */
async function settle(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
}

function memory() {
  const usage = process.memoryUsage();
  return { rss: usage.rss, heap: usage.heapUsed };
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0);
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}
