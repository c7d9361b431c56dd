/**
 * `npm run bench`: bare Fastify with a one-row read against the full authenticated patient read
 * (token check, tenant handle, care check, audit write), measured in one run on loopback.
 * Bounded: each target gets a fixed duration and connection count, then stops.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import autocannon from 'autocannon';
import { cpuMeter, type CpuMeter } from './cpu.js';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

interface Target {
  port: number;
  path: string;
  unauditedPath?: string;
  token: string | null;
  login?: { tenant: string; email: string; password: string };
}

async function start(mode: 'baseline' | 'full'): Promise<{ child: ChildProcess; target: Target }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(import.meta.dirname, 'target.ts'), mode],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, DATABASE_URL: benchDatabaseUrl() },
    },
  );
  const lines = readline.createInterface({ input: child.stdout });
  for await (const line of lines) {
    if (line.startsWith('{')) return { child, target: JSON.parse(line) as Target };
  }
  throw new Error(`the ${mode} target exited before it was ready`);
}

async function measure(mode: 'baseline' | 'full') {
  const { child, target } = await start(mode);
  try {
    if (mode === 'full') {
      const meter = await cpuMeter(child.pid, process.env.DATABASE_URL, APPLICATION);
      await auditCost(target, meter).finally(() => meter.close());
      await loginStorm(target);
    }
    const url = `http://127.0.0.1:${target.port}${target.path}`;
    const headers = target.token === null ? {} : { authorization: `Bearer ${target.token}` };
    await autocannon({ url, headers, connections: CONNECTIONS, duration: 2 }); // warm-up
    const result = await autocannon({
      url,
      headers,
      connections: CONNECTIONS,
      duration: DURATION_S,
    });
    if (result.non2xx > 0 || result.errors > 0) {
      throw new Error(`${mode}: ${result.non2xx} non-2xx answers and ${result.errors} errors`);
    }
    return {
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      total: result.requests.total,
    };
  } finally {
    child.kill('SIGTERM');
  }
}

const AUDIT_ROUNDS = 6;
// Enough clients to saturate the server, as many users do: the audit insert's wait for its
// commit then overlaps other requests' work, and throughput measures capacity, not one
// client's round-trip time.
const AUDIT_CONNECTIONS = Number(process.env.BENCH_AUDIT_CONNECTIONS ?? 50);

/**
 * What auditing costs a read (SPEC §8: the trail must not serialize the system): the real
 * GET /patients/{id} against the same read with the audit insert left out (a bench-only route),
 * in one process, in short rounds of both, back to back, so drift on a shared machine hits both
 * alike. Each round pairs an audited run with the unaudited run beside it, in alternating order;
 * the median of the rounds' ratios is the figure a load spike from elsewhere moves least. The
 * background chainer runs throughout, as in production.
 */
async function auditCost(target: Target, meter: CpuMeter): Promise<void> {
  if (target.unauditedPath === undefined || target.token === null) return;
  const base = `http://127.0.0.1:${target.port}`;
  const headers = { authorization: `Bearer ${target.token}` };
  const seconds = Math.max(2, Math.round(DURATION_S / 3));
  const run = async (path: string) => {
    const result = await autocannon({
      url: `${base}${path}`,
      headers,
      connections: AUDIT_CONNECTIONS,
      duration: seconds,
    });
    if (result.non2xx > 0 || result.errors > 0)
      throw new Error(`${path}: ${result.non2xx} non-2xx answers and ${result.errors} errors`);
    return result.requests.total;
  };
  await run(target.unauditedPath);
  await run(target.path); // warm-up of both
  let off = 0;
  let on = 0;
  const ratios: number[] = [];
  const cpu = { off: [] as number[], on: [] as number[] };
  const measured = async (path: string, into: number[]) => {
    const before = await meter.read();
    const requests = await run(path);
    into.push((((await meter.read()) - before) * 1e6) / requests);
    return requests / seconds;
  };
  for (let round = 0; round < AUDIT_ROUNDS; round += 1) {
    const unauditedFirst = round % 2 === 0;
    const first = unauditedFirst
      ? await measured(target.unauditedPath, cpu.off)
      : await measured(target.path, cpu.on);
    const second = unauditedFirst
      ? await measured(target.path, cpu.on)
      : await measured(target.unauditedPath, cpu.off);
    const [roundOff, roundOn] = unauditedFirst ? [first, second] : [second, first];
    off += roundOff;
    on += roundOn;
    ratios.push(roundOn / roundOff);
  }
  off /= AUDIT_ROUNDS;
  on /= AUDIT_ROUNDS;
  const median = middle(ratios);
  const verify = (await (await fetch(`${base}/bench/verify`)).json()) as {
    status: string;
    checkedEvents: number;
    unlinkedAfterLoad: number;
  };
  console.log(
    `patient read, audit off (bench-only route): ${off.toFixed(0)} req/s; audited: ${on.toFixed(0)} req/s; ` +
      `ratio ${(on / off).toFixed(2)}, median of rounds ${median.toFixed(2)} (target ≥ 0.80; ` +
      `${AUDIT_CONNECTIONS} connections, ${AUDIT_ROUNDS} paired rounds of ${seconds} s; rounds ` +
      `${ratios.map((r) => r.toFixed(2)).join(' ')})`,
  );
  if (meter.kind !== 'none') {
    const [cpuOff, cpuOn] = [middle(cpu.off), middle(cpu.on)];
    console.log(
      `CPU per read (${meter.kind}, median of rounds): audit off ${cpuOff.toFixed(0)} µs, ` +
        `audited ${cpuOn.toFixed(0)} µs; ratio ${(cpuOff / cpuOn).toFixed(2)} (the throughput ` +
        'ratio of a machine whose CPU only this serves)',
    );
  }
  console.log(
    `audit chain: ${verify.unlinkedAfterLoad} event(s) not yet linked when the load stopped; ` +
      `then verified ${verify.status}, ${verify.checkedEvents} events`,
  );
}

function middle(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const half = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[half] ?? 0)
    : ((sorted[half - 1] ?? 0) + (sorted[half] ?? 0)) / 2;
}

/** The target's own connections carry this name, so their server processes can be found. */
const APPLICATION = 'mediconnect-bench';

function benchDatabaseUrl(): string | undefined {
  const url = process.env.DATABASE_URL;
  if (url === undefined) return undefined;
  const parsed = new URL(url);
  parsed.searchParams.set('application_name', APPLICATION);
  return parsed.toString();
}

/**
 * A login storm: bcrypt at cost 12 runs on libuv's thread pool, so logins queue there while the
 * event loop keeps serving. Reports login latency and the event-loop delay during the storm.
 */
async function loginStorm(target: Target): Promise<void> {
  if (target.login === undefined) return;
  const base = `http://127.0.0.1:${target.port}`;
  await fetch(`${base}/bench/lag`);
  const result = await autocannon({
    url: `${base}/api/v1/auth/login`,
    method: 'POST',
    connections: 8,
    duration: DURATION_S,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(target.login),
  });
  const lag = (await (await fetch(`${base}/bench/lag`)).json()) as {
    p50: number;
    p99: number;
    max: number;
  };
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`login storm: ${result.non2xx} non-2xx, ${result.errors} errors`);
  console.log(
    `login storm (8 connections, bcrypt cost 12): ${result.requests.average.toFixed(1)} logins/s, ` +
      `p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms; event-loop delay p50 ${lag.p50} ms, ` +
      `p99 ${lag.p99} ms, max ${lag.max} ms`,
  );
}

const database = process.env.DATABASE_URL === undefined ? 'PGlite (embedded)' : 'PostgreSQL';
const store = process.env.REDIS_URL === undefined ? 'in-process store' : 'Redis';
console.log(
  `MediConnect benchmark: ${database}, ${store}, ${CONNECTIONS} connections, ${DURATION_S} s each`,
);
const baseline = await measure('baseline');
const full = await measure('full');
const row = (name: string, m: typeof baseline) =>
  `${name.padEnd(44)} ${m.rps.toFixed(0).padStart(8)} req/s   p50 ${String(m.p50).padStart(4)} ms   p99 ${String(m.p99).padStart(4)} ms   (${m.total} requests)`;
console.log(row('bare Fastify + one-row read', baseline));
console.log(row('GET /api/v1/patients/{id} (auth, care, audit)', full));
console.log(`ratio full/baseline throughput: ${(full.rps / baseline.rps).toFixed(2)}`);
