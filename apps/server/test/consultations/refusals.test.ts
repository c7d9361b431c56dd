import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueRoomToken, ROOM_TOKEN_SECONDS } from '../../src/modules/appointments/room-token.js';
import { get, inMinutes, patch } from '../appointments/support.js';
import {
  assignCare,
  auditEvents,
  bearer,
  createFastClinic,
  createPatient,
  ORIGIN,
  startTestApp,
  type Staff,
  type TestApp,
} from '../support/harness.js';
import {
  CANDIDATE,
  OFFER,
  Refused,
  connect,
  issuedTokens,
  join,
  listen,
  roomToken,
  videoVisit,
  type Client,
} from './support.js';

const AUTH_TIMEOUT_MS = 300;

let t: TestApp;
let url: string;
beforeAll(async () => {
  t = await startTestApp({ MEDICONNECT_SIGNALING_AUTH_TIMEOUT_MS: String(AUTH_TIMEOUT_MS) });
  url = await listen(t);
});
afterAll(async () => {
  await t.close();
});

/** Sends auth with this token and waits for the server to close the socket. */
async function refusedJoin(token: string): Promise<{ code: number; reason: string }> {
  const client = await connect(url);
  client.send({ type: 'auth', token });
  return client.closeCode();
}

/** The HTTP status a WebSocket handshake was refused with. */
async function handshakeStatus(target: string, options = {}): Promise<number> {
  try {
    await connect(target, options);
    return 101;
  } catch (error) {
    if (error instanceof Refused) return error.status;
    throw error;
  }
}

/**
 * A room token for this room as the server would sign it, for someone the video-token endpoint
 * never hands one to: proves the socket checks the appointment again, not only the signature.
 */
async function mintedToken(user: Staff, tenantId: string, room: string): Promise<string> {
  const role = user.role === 'doctor' ? 'doctor' : 'patient';
  const { token } = await issueRoomToken(t.platform.keys, {
    userId: user.id,
    tenantId,
    role,
    room,
  });
  issuedTokens.push(token);
  return token;
}

describe('refused before the upgrade', () => {
  it('answers 400 token_in_url to a URL with a query string, even with a good token', async () => {
    const visit = await videoVisit(t);
    const token = await roomToken(t, visit.doctor, visit.id);

    expect(await handshakeStatus(`${url}?token=${token}`)).toBe(400);
    expect(await handshakeStatus(`${url}?room=1`)).toBe(400);
    expect(t.logs.join('')).not.toContain(token.split('.')[2]);
  });

  it('answers 403 to a page from an origin off the allowlist', async () => {
    expect(await handshakeStatus(url, { origin: 'https://evil.example' })).toBe(403);
  });

  it('accepts the allowlisted origin and a client that sends none', async () => {
    expect(await handshakeStatus(url, { origin: ORIGIN })).toBe(101);
    expect(await handshakeStatus(url)).toBe(101);
  });

  it('answers 426 to a plain GET', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/v1/signaling' });

    expect(response.statusCode).toBe(426);
    expect(response.json()).toMatchObject({ error: { code: 'upgrade_required' } });
  });

  it('upgrades no other route', async () => {
    const other = url.replace('/api/v1/signaling', '/healthz');

    expect(await handshakeStatus(other)).not.toBe(101);
  });
});

describe('refused at authentication (4401)', () => {
  it('closes a socket that sends nothing within the time allowed', async () => {
    const client = await connect(url);

    expect(await client.closeCode(AUTH_TIMEOUT_MS * 10)).toEqual({
      code: 4401,
      reason: 'unauthenticated',
    });
  });

  it('closes a socket whose first message is not auth', async () => {
    const client = await connect(url);

    client.send({ type: 'signal', data: OFFER });

    expect(await client.closeCode()).toEqual({ code: 4401, reason: 'unauthenticated' });
  });

  it('closes a socket whose first message is not JSON', async () => {
    const client = await connect(url);

    client.ws.send('{"type": "auth", ');

    expect((await client.closeCode()).code).toBe(4401);
  });

  it('refuses an expired room token', async () => {
    const visit = await videoVisit(t);
    const { token } = await issueRoomToken(
      t.platform.keys,
      { userId: visit.doctor.id, tenantId: visit.clinic.tenant.id, role: 'doctor', room: visit.id },
      Date.now() - (ROOM_TOKEN_SECONDS + 10) * 1000,
    );
    issuedTokens.push(token);

    expect(await refusedJoin(token)).toEqual({ code: 4401, reason: 'unauthenticated' });
  });

  it('refuses a tampered room token (another room in the claims)', async () => {
    const visit = await videoVisit(t);
    const elsewhere = await videoVisit(t);
    const token = await roomToken(t, visit.patient, visit.id);
    const [header = '', payload = '', signature = ''] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as object;
    const forged = Buffer.from(JSON.stringify({ ...claims, room: elsewhere.id })).toString(
      'base64url',
    );

    expect(await refusedJoin(`${header}.${forged}.${signature}`)).toEqual({
      code: 4401,
      reason: 'unauthenticated',
    });
  });

  it('refuses an API access token in place of a room token', async () => {
    const visit = await videoVisit(t);

    expect((await refusedJoin(visit.doctor.token)).code).toBe(4401);
  });
});

describe('refused by the appointment (4403)', () => {
  it('refuses a cancelled appointment, and audits the refusal', async () => {
    const visit = await videoVisit(t);
    const token = await roomToken(t, visit.patient, visit.id);
    await patch(t, visit.clerk, visit.id, { status: 'cancelled', cancelReason: '患者都合' });

    const closed = await refusedJoin(token);
    const events = await auditEvents(t, visit.clinic.tenant);

    expect(closed).toEqual({ code: 4403, reason: 'appointment_cancelled' });
    expect(events).toContainEqual(
      expect.objectContaining({
        action: 'consultation.join',
        outcome: 'denied',
        actor_id: visit.patient.id,
        resource_id: visit.id,
      }),
    );
  });

  it('refuses outside the join window (moved three hours later since the token)', async () => {
    const visit = await videoVisit(t);
    const token = await roomToken(t, visit.doctor, visit.id);
    await patch(t, visit.clerk, visit.id, { start: inMinutes(180), end: inMinutes(210) });

    expect(await refusedJoin(token)).toEqual({ code: 4403, reason: 'outside_join_window' });
  });

  it('refuses a doctor deactivated since the token was issued', async () => {
    const visit = await videoVisit(t);
    const token = await roomToken(t, visit.doctor, visit.id);
    const admin = await visit.clinic.staff('admin');
    const change = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/staff/${visit.doctor.id}`,
      headers: { ...bearer(admin), origin: ORIGIN },
      payload: { status: 'deactivated' },
    });

    expect(change.statusCode).toBe(200);
    expect(await refusedJoin(token)).toEqual({ code: 4403, reason: 'forbidden' });
  });
});

describe('only the appointment’s doctor and patient', () => {
  it('gives another patient no token, and refuses one signed for them anyway', async () => {
    const visit = await videoVisit(t);
    const other = await createPatient(t, visit.clerk);
    const stranger = await visit.clinic.staff('patient', { patientId: other.id });

    const ticket = await get(t, stranger, `/api/v1/appointments/${visit.id}/video-token`);
    const closed = await refusedJoin(await mintedToken(stranger, visit.clinic.tenant.id, visit.id));

    expect(ticket.statusCode).toBe(404);
    expect(closed).toEqual({ code: 4403, reason: 'forbidden' });
  });

  it('gives a doctor of another clinic no token, and refuses one signed for them anyway', async () => {
    const visit = await videoVisit(t);
    const elsewhere = await createFastClinic(t);
    const outsider = await elsewhere.staff('doctor');

    const ticket = await get(t, outsider, `/api/v1/appointments/${visit.id}/video-token`);
    const ownClinic = await refusedJoin(await mintedToken(outsider, elsewhere.tenant.id, visit.id));
    const ourClinic = await refusedJoin(
      await mintedToken(outsider, visit.clinic.tenant.id, visit.id),
    );

    expect(ticket.statusCode).toBe(404);
    expect(ownClinic).toEqual({ code: 4403, reason: 'forbidden' });
    expect(ourClinic).toEqual({ code: 4403, reason: 'forbidden' });
  });

  it('gives a doctor of the clinic in the patient’s care no token for another doctor’s room', async () => {
    const visit = await videoVisit(t);
    const colleague = await visit.clinic.staff('doctor');
    await assignCare(t, visit.clerk, visit.patientId, colleague.id);

    const ticket = await get(t, colleague, `/api/v1/appointments/${visit.id}/video-token`);
    const closed = await refusedJoin(
      await mintedToken(colleague, visit.clinic.tenant.id, visit.id),
    );

    expect(ticket.statusCode).toBe(404);
    expect(closed).toEqual({ code: 4403, reason: 'forbidden' });
  });

  it('shows a patient in another room of the same doctor nothing of this room', async () => {
    const visit = await videoVisit(t);
    const otherPatient = await createPatient(t, visit.clerk);
    const neighbour = await visit.clinic.staff('patient', { patientId: otherPatient.id });
    const clerk = visit.clerk;
    const nextRoom = await t.app.inject({
      method: 'POST',
      url: '/api/v1/appointments',
      headers: bearer(clerk),
      payload: {
        doctorId: visit.doctor.id,
        patientId: otherPatient.id,
        type: 'video',
        start: inMinutes(-20),
        end: inMinutes(5),
      },
    });
    const spy = await join(url, await roomToken(t, neighbour, nextRoom.json<{ id: string }>().id));
    const patient = await join(url, await roomToken(t, visit.patient, visit.id));
    const doctor = await join(url, await roomToken(t, visit.doctor, visit.id));
    await doctor.client.next('patient-waiting');

    doctor.client.send({ type: 'admit' });
    await patient.client.next('admitted');
    doctor.client.send({ type: 'signal', data: OFFER });
    patient.client.send({ type: 'signal', data: CANDIDATE });
    await patient.client.next('signal');
    await doctor.client.next('signal');
    await sleep(100);

    expect(spy.client.received.map((m) => m.type)).toEqual(['welcome']);
  });
});

describe('closing a socket that breaks the protocol', () => {
  async function joined(): Promise<Client> {
    const visit = await videoVisit(t);
    return (await join(url, await roomToken(t, visit.patient, visit.id))).client;
  }

  it('closes with 1009 on a message over 64 KiB', async () => {
    const client = await joined();

    client.send({ type: 'signal', data: { kind: 'offer', sdp: 'a'.repeat(70 * 1024) } });

    expect((await client.closeCode()).code).toBe(1009);
  });

  it('closes with 4400 on malformed JSON', async () => {
    const client = await joined();

    client.ws.send('{"type": "signal", "data": ');

    expect(await client.closeCode()).toEqual({ code: 4400, reason: 'bad_message' });
  });

  it('closes with 4400 on an unknown type', async () => {
    const client = await joined();

    client.send({ type: 'chat', text: 'hello' });

    expect(await client.closeCode()).toEqual({ code: 4400, reason: 'bad_message' });
  });

  it('closes with 4400 on a known type with a body off its schema', async () => {
    const unknownField = await joined();
    const badSignal = await joined();

    unknownField.send({ type: 'admit', extra: true });
    badSignal.send({ type: 'signal', data: { kind: 'offer' } });

    expect((await unknownField.closeCode()).code).toBe(4400);
    expect((await badSignal.closeCode()).code).toBe(4400);
  });

  it('closes with 4400 on a binary frame and on a second auth', async () => {
    const binary = await joined();
    const reauth = await joined();

    binary.ws.send(Buffer.from('{"type":"leave"}'));
    reauth.send({ type: 'auth', token: 'x' });

    expect((await binary.closeCode()).code).toBe(4400);
    expect((await reauth.closeCode()).code).toBe(4400);
  });

  it('closes with 4429 a socket sending more than its burst', async () => {
    const client = await joined();

    for (let i = 0; i < 150; i++) client.send({ type: 'signal', data: CANDIDATE });

    expect(await client.closeCode()).toEqual({ code: 4429, reason: 'rate_limited' });
    expect(client.all('error').length).toBeLessThanOrEqual(100);
  });

  it('lets a socket send at a steady pace under the limit', async () => {
    const client = await joined();

    for (let i = 0; i < 60; i++) {
      client.send({ type: 'signal', data: CANDIDATE });
      await sleep(25);
    }
    await client.next('error');

    expect(client.ws.readyState).toBe(client.ws.OPEN);
  });
});
