import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { booked, get, inMinutes, setting, type Setting } from '../appointments/support.js';
import type { Staff, TestApp } from '../support/harness.js';

/** A server message as the client sees it. */
export type Received = { type: string } & Record<string, unknown>;

/** Listens on loopback, on a port of its own; the ws URL of the signaling endpoint. */
export async function listen(t: TestApp): Promise<string> {
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.app.server.address() as AddressInfo;
  return `ws://127.0.0.1:${String(port)}/api/v1/signaling`;
}

export interface Visit extends Setting {
  id: string;
  patient: Staff;
}

/** A video appointment starting in 10 minutes (its room is open), with the patient's account. */
export async function videoVisit(
  t: TestApp,
  overrides: Record<string, unknown> = {},
): Promise<Visit> {
  const base = await setting(t);
  const patient = await base.clinic.staff('patient', { patientId: base.patientId });
  const { id } = await booked(t, base.clerk, {
    doctorId: base.doctor.id,
    patientId: base.patientId,
    start: inMinutes(10),
    end: inMinutes(40),
    ...overrides,
  });
  return { ...base, id, patient };
}

/** Every room token this file fetched: none of them may ever show up in a log line. */
export const issuedTokens: string[] = [];

export async function roomToken(t: TestApp, who: Staff, appointmentId: string): Promise<string> {
  const response = await get(t, who, `/api/v1/appointments/${appointmentId}/video-token`);
  if (response.statusCode !== 200) throw new Error(`video token refused: ${response.body}`);
  const token = response.json<{ roomToken: string }>().roomToken;
  issuedTokens.push(token);
  return token;
}

/** A WebSocket client that keeps everything it was sent, for tests to wait on. */
export class Client {
  readonly received: Received[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly taken = new Set<number>();

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.received.push(JSON.parse(data.toString('utf8')) as Received);
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString('utf8') });
      });
    });
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  /** The next message of this type not taken yet; waits for it. */
  async next(type: string, ms = 5_000): Promise<Received> {
    const deadline = Date.now() + ms;
    for (;;) {
      const index = this.received.findIndex((m, i) => m.type === type && !this.taken.has(i));
      const found = this.received[index];
      if (found !== undefined) {
        this.taken.add(index);
        return found;
      }
      if (Date.now() > deadline) {
        throw new Error(`no ${type} within ${String(ms)} ms; got ${JSON.stringify(this.received)}`);
      }
      await sleep(5);
    }
  }

  /** Every message of this type received so far. */
  all(type: string): Received[] {
    return this.received.filter((m) => m.type === type);
  }

  async closeCode(ms = 5_000): Promise<{ code: number; reason: string }> {
    return Promise.race([
      this.closed,
      sleep(ms).then(() => {
        throw new Error(`socket still open after ${String(ms)} ms`);
      }),
    ]);
  }
}

/** Opens a socket (closed when the test ends). Rejects with the HTTP status if refused. */
export async function connect(url: string, options: WebSocket.ClientOptions = {}): Promise<Client> {
  const ws = new WebSocket(url, { ...options });
  onTestFinished(() => {
    ws.terminate();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => {
      resolve();
    });
    ws.once('unexpected-response', (_request, response) => {
      reject(new Refused(response.statusCode ?? 0));
    });
    ws.once('error', reject);
  });
  return new Client(ws);
}

export class Refused extends Error {
  constructor(readonly status: number) {
    super(`refused with ${String(status)}`);
  }
}

/** Connects and authenticates; resolves once `welcome` arrives. */
export async function join(
  url: string,
  token: string,
  options: WebSocket.ClientOptions = {},
): Promise<{ client: Client; welcome: Received }> {
  const client = await connect(url, options);
  client.send({ type: 'auth', token });
  return { client, welcome: await client.next('welcome') };
}

/** Patient waiting, doctor in, patient admitted: the state most relay tests start from. */
export async function admittedPair(t: TestApp, url: string, visit: Visit) {
  const patient = await join(url, await roomToken(t, visit.patient, visit.id));
  const doctor = await join(url, await roomToken(t, visit.doctor, visit.id));
  await doctor.client.next('patient-waiting');
  doctor.client.send({ type: 'admit' });
  const admitted = await doctor.client.next('admitted');
  await patient.client.next('admitted');
  return { patient: patient.client, doctor: doctor.client, encounterId: admitted.encounterId };
}

export const OFFER = { kind: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n' } as const;
export const ANSWER = {
  kind: 'answer',
  sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\n',
} as const;
export const CANDIDATE = {
  kind: 'candidate',
  candidate: {
    candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 54400 typ host',
    sdpMid: '0',
    sdpMLineIndex: 0,
    usernameFragment: 'abcd',
  },
} as const;
