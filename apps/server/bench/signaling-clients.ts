/**
 * The client side of bench:signaling, in a process of its own: opens and authenticates every
 * socket, admits PAIRS rooms, then runs the same two phases against the API and against the
 * bare relay: paced messages for latency, then a closed loop (WINDOW messages in flight per
 * socket) for throughput. Talks to the parent over IPC only; loopback URLs only.
 */
import WebSocket from 'ws';

interface Job {
  api: string;
  bare: string;
  rooms: { doctor: string; patient: string }[];
  pairs: number;
  seconds: number;
}

const CONNECTING_AT_ONCE = 100;
/**
 * Well under the real per-socket limit (50/s): a call setup trickles a few dozen candidates,
 * so latency is measured at a signaling pace, not at saturation.
 */
const PACED_PER_SECOND = 10;
/** Latency samples from the first second are dropped (warm-up). */
const WARM_UP_MS = 1_000;
const WINDOW = 8;

type Received = { type: string; data?: { candidate?: { candidate?: string } } };
type Handler = (message: Received) => void;

/** One socket and whoever listens to it now. */
class Peer {
  handler: Handler = () => undefined;
  /** When set, gets the frame unparsed (the throughput loop: the client must cost little). */
  raw: (() => void) | null = null;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      if (this.raw !== null) {
        this.raw();
        return;
      }
      const text = data.toString('utf8');
      this.handler(text === 'paired' ? { type: 'paired' } : (JSON.parse(text) as Received));
    });
  }

  send(text: string): void {
    this.ws.send(text);
  }

  /** Resolves with the next message of this type. */
  next(type: string): Promise<Received> {
    return new Promise((resolve) => {
      const previous = this.handler;
      this.handler = (message) => {
        if (message.type !== type) return;
        this.handler = previous;
        resolve(message);
      };
    });
  }
}

function open(url: string): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => {
      resolve(new Peer(ws));
    });
    ws.once('error', reject);
  });
}

async function joined(url: string, token: string): Promise<Peer> {
  const peer = await open(url);
  const welcome = peer.next('welcome');
  peer.send(JSON.stringify({ type: 'auth', token }));
  await welcome;
  return peer;
}

function signal(stamp: number): string {
  return JSON.stringify({
    type: 'signal',
    data: {
      kind: 'candidate',
      candidate: { candidate: `bench ${String(stamp)}`, sdpMid: '0', sdpMLineIndex: 0 },
    },
  });
}

function stampOf(message: Received): number {
  return Number(message.data?.candidate?.candidate?.slice('bench '.length));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Both phases over these pairs; the pairs are already able to exchange signals. */
async function measure(label: string, pairs: [Peer, Peer][], seconds: number) {
  const peers = pairs.flatMap(([a, b]) => [a, b]);
  const partner = new Map<Peer, Peer>(
    pairs.flatMap(
      ([a, b]) =>
        [
          [a, b],
          [b, a],
        ] as const,
    ),
  );

  const latencies: number[] = [];
  const measureFrom = performance.now() + WARM_UP_MS;
  for (const peer of peers) {
    peer.handler = (message) => {
      const stamp = stampOf(message);
      if (message.type === 'signal' && stamp >= measureFrom)
        latencies.push(performance.now() - stamp);
    };
  }
  const period = 1000 / PACED_PER_SECOND;
  const timers: NodeJS.Timeout[] = [];
  for (const peer of peers) {
    // Each sender starts at its own point of the period, as browsers would not fire together.
    const offset = setTimeout(() => {
      timers.push(
        setInterval(() => {
          peer.send(signal(performance.now()));
        }, period),
      );
    }, Math.random() * period);
    timers.push(offset);
  }
  await sleep(WARM_UP_MS + seconds * 1000);
  for (const timer of timers) clearInterval(timer);
  await sleep(500);
  latencies.sort((a, b) => a - b);

  let delivered = 0;
  let running = true;
  const message = signal(0);
  for (const peer of peers) {
    const other = partner.get(peer);
    peer.raw = () => {
      delivered++;
      if (running) other?.send(message);
    };
  }
  for (const peer of peers) for (let i = 0; i < WINDOW; i++) peer.send(message);
  await sleep(WARM_UP_MS);
  // The parent reads its CPU time at these marks: the server's cost per relayed message.
  process.send?.({ type: 'mark', name: `${label}:start` });
  const start = performance.now();
  const before = delivered;
  await sleep(seconds * 1000);
  const counted = delivered - before;
  const elapsed = (performance.now() - start) / 1000;
  process.send?.({ type: 'mark', name: `${label}:end` });
  running = false;
  await sleep(500);
  for (const peer of peers) peer.raw = null;

  const at = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return {
    p50: at(0.5),
    p99: at(0.99),
    samples: latencies.length,
    pacedRate: PACED_PER_SECOND,
    throughput: counted / elapsed,
    relayed: counted,
  };
}

async function run(job: Job): Promise<void> {
  const started = performance.now();
  const rooms: { doctor: Peer; patient: Peer }[] = [];
  for (let i = 0; i < job.rooms.length; i += CONNECTING_AT_ONCE) {
    const batch = job.rooms.slice(i, i + CONNECTING_AT_ONCE);
    rooms.push(
      ...(await Promise.all(
        batch.map(async (tokens) => {
          const patient = await joined(job.api, tokens.patient);
          const doctor = await joined(job.api, tokens.doctor);
          return { doctor, patient };
        }),
      )),
    );
  }
  process.send?.({ type: 'connected', sockets: rooms.length * 2, ms: performance.now() - started });
  await instruction('go');

  const active = rooms.slice(0, job.pairs);
  await Promise.all(
    active.map(async ({ doctor, patient }) => {
      const admitted = Promise.all([doctor.next('admitted'), patient.next('admitted')]);
      doctor.send(JSON.stringify({ type: 'admit' }));
      await admitted;
    }),
  );
  process.send?.({ type: 'admitted' });
  await instruction('go');
  const api = await measure(
    'api',
    active.map(({ doctor, patient }) => [doctor, patient]),
    job.seconds,
  );

  const barePairs = await Promise.all(
    active.map(async (_, index) => {
      const a = await open(job.bare);
      const b = await open(job.bare);
      const paired = Promise.all([a.next('paired'), b.next('paired')]);
      a.send(String(index));
      b.send(String(index));
      await paired;
      return [a, b] as [Peer, Peer];
    }),
  );
  const bare = await measure('bare', barePairs, job.seconds);

  process.send?.({ type: 'results', api, bare });
  for (const { doctor, patient } of rooms) {
    doctor.ws.terminate();
    patient.ws.terminate();
  }
  for (const [a, b] of barePairs) {
    a.ws.terminate();
    b.ws.terminate();
  }
}

const instructions: string[] = [];

/** Waits for the parent to say so (it measures memory, or lets the audit chain catch up). */
async function instruction(word: string): Promise<void> {
  while (!instructions.includes(word)) await sleep(20);
  instructions.splice(instructions.indexOf(word), 1);
}

process.on('message', (message: Job | string) => {
  if (typeof message === 'string') instructions.push(message);
});

process.once('message', (job: Job | string) => {
  if (typeof job === 'string') return;
  run(job).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
