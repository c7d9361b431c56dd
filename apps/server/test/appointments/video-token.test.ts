import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { ROOM_TOKEN_SECONDS, verifyRoomToken } from '../../src/modules/appointments/room-token.js';
import { loadSigningKeys, type SigningKeys } from '../../src/platform/keys/signing-keys.js';
import {
  assignCare,
  auditEvents,
  bearer,
  createFastClinic,
  createPatient,
  errorCode,
  startTestApp,
  type Staff,
  type TestApp,
} from '../support/harness.js';
import { booked, get, inMinutes, patch, setting, type Setting } from './support.js';

const TURN_SECRET = 'a-turn-secret-of-at-least-thirty-two-chars';
const TURN_URLS = 'turn:127.0.0.1:3478?transport=udp,turns:127.0.0.1:5349?transport=tcp';

let t: TestApp;
let keys: SigningKeys;
beforeAll(async () => {
  t = await startTestApp({
    MEDICONNECT_TURN_URLS: TURN_URLS,
    MEDICONNECT_TURN_SECRET: TURN_SECRET,
  });
  keys = await loadSigningKeys(t.config.signingKeysFile, t.config.dataDir);
});
afterAll(() => t.close());

interface Ticket {
  roomToken: string;
  expiresAt: string;
  iceServers: { urls: string[]; username: string; credential: string }[];
}

/** A video appointment running from 10 minutes from now, so the room is already open. */
async function videoVisit(
  overrides: Record<string, unknown> = {},
): Promise<Setting & { id: string; patient: Staff }> {
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

function ticket(by: Staff, id: string) {
  return get(t, by, `/api/v1/appointments/${id}/video-token`);
}

describe('the video token', () => {
  it('gives the doctor a single-room token the signaling side accepts', async () => {
    const visit = await videoVisit();

    const response = await ticket(visit.doctor, visit.id);
    const claims = await verifyRoomToken(keys, response.json<Ticket>().roomToken);

    expect(response.statusCode).toBe(200);
    expect(claims).toMatchObject({
      userId: visit.doctor.id,
      tenantId: visit.clinic.tenant.id,
      role: 'doctor',
      room: visit.id,
    });
  });

  it('gives the patient a token with the patient role', async () => {
    const visit = await videoVisit();

    const response = await ticket(visit.patient, visit.id);
    const claims = await verifyRoomToken(keys, response.json<Ticket>().roomToken);

    expect(claims).toMatchObject({ userId: visit.patient.id, role: 'patient', room: visit.id });
  });

  it('makes the token expire within five minutes', async () => {
    const visit = await videoVisit();
    const { roomToken, expiresAt } = (await ticket(visit.doctor, visit.id)).json<Ticket>();

    const later = await verifyRoomToken(
      keys,
      roomToken,
      Date.now() + (ROOM_TOKEN_SECONDS + 5) * 1000,
    );

    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(ROOM_TOKEN_SECONDS * 1000);
    expect(later).toBeNull();
  });

  it('rejects a tampered room token', async () => {
    const visit = await videoVisit();
    const { roomToken } = (await ticket(visit.doctor, visit.id)).json<Ticket>();
    const [header = '', payload = '', signature = ''] = roomToken.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as object;
    const forged = Buffer.from(JSON.stringify({ ...claims, room: crypto.randomUUID() })).toString(
      'base64url',
    );

    expect(await verifyRoomToken(keys, `${header}.${forged}.${signature}`)).toBeNull();
  });

  it('is refused as an API access token', async () => {
    const visit = await videoVisit();
    const { roomToken } = (await ticket(visit.doctor, visit.id)).json<Ticket>();

    const response = await get(t, { token: roomToken } as Staff, '/api/v1/appointments');

    expect(response.statusCode).toBe(401);
  });

  it('does not accept an API access token as a room token', async () => {
    const visit = await videoVisit();

    expect(await verifyRoomToken(keys, visit.doctor.token)).toBeNull();
  });

  it('hands out coturn shared-secret credentials for the configured TURN servers', async () => {
    const visit = await videoVisit();

    const { iceServers } = (await ticket(visit.patient, visit.id)).json<Ticket>();
    const [server] = iceServers;
    const [expiry = '', user] = (server?.username ?? '').split(':');
    const expected = crypto
      .createHmac('sha1', TURN_SECRET)
      .update(server?.username ?? '')
      .digest('base64');

    expect(iceServers).toHaveLength(1);
    expect(server?.urls).toEqual(TURN_URLS.split(','));
    expect(user).toBe(visit.patient.id);
    expect(Number(expiry) - Date.now() / 1000).toBeGreaterThan(3500);
    expect(server?.credential).toBe(expected);
  });

  it('audits every token it issues', async () => {
    const visit = await videoVisit();

    await ticket(visit.doctor, visit.id);
    const events = await auditEvents(t, visit.clinic.tenant);

    expect(events).toContainEqual(
      expect.objectContaining({
        action: 'consultation.token',
        actor_id: visit.doctor.id,
        resource_id: visit.id,
        outcome: 'success',
      }),
    );
  });
});

describe('refusing the video token', () => {
  it('answers 404 to another patient', async () => {
    const visit = await videoVisit();
    const other = await createPatient(t, visit.clerk);
    const stranger = await visit.clinic.staff('patient', { patientId: other.id });

    const response = await ticket(stranger, visit.id);

    expect(response.statusCode).toBe(404);
  });

  it('answers 404 to a doctor of another clinic', async () => {
    const visit = await videoVisit();
    const elsewhere = await createFastClinic(t);
    const outsider = await elsewhere.staff('doctor');

    const response = await ticket(outsider, visit.id);

    expect(response.statusCode).toBe(404);
  });

  it('answers 404 to a doctor in the patient’s care who is not the appointment’s doctor', async () => {
    const visit = await videoVisit();
    const colleague = await visit.clinic.staff('doctor');
    await assignCare(t, visit.clerk, visit.patientId, colleague.id);

    const response = await ticket(colleague, visit.id);

    expect(response.statusCode).toBe(404);
  });

  it('answers 403 to a clerk', async () => {
    const visit = await videoVisit();

    const response = await ticket(visit.clerk, visit.id);

    expect(response.statusCode).toBe(403);
  });

  it('answers 409 for a cancelled appointment', async () => {
    const visit = await videoVisit();
    await patch(t, visit.clerk, visit.id, { status: 'cancelled', cancelReason: '患者都合' });

    const response = await ticket(visit.doctor, visit.id);

    expect(response.statusCode).toBe(409);
    expect(errorCode(response)).toBe('appointment_cancelled');
  });

  it('answers 409 for an in-person appointment', async () => {
    const visit = await videoVisit({ type: 'in_person' });

    const response = await ticket(visit.doctor, visit.id);

    expect(response.statusCode).toBe(409);
    expect(errorCode(response)).toBe('not_a_video_appointment');
  });

  it('answers 409 more than 15 minutes before the start', async () => {
    const visit = await videoVisit({ start: inMinutes(20), end: inMinutes(50) });

    const response = await ticket(visit.patient, visit.id);

    expect(errorCode(response)).toBe('outside_join_window');
  });

  it('answers 409 more than 60 minutes after the end', async () => {
    const visit = await videoVisit({ start: inMinutes(-120), end: inMinutes(-62) });

    const response = await ticket(visit.doctor, visit.id);

    expect(errorCode(response)).toBe('outside_join_window');
  });

  it('opens until 60 minutes after the end', async () => {
    const visit = await videoVisit({ start: inMinutes(-120), end: inMinutes(-58) });

    const response = await ticket(visit.doctor, visit.id);

    expect(response.statusCode).toBe(200);
  });

  it('answers 404 for an appointment that does not exist', async () => {
    const visit = await videoVisit();

    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/appointments/${crypto.randomUUID()}/video-token`,
      headers: bearer(visit.doctor),
    });

    expect(response.statusCode).toBe(404);
  });
});

describe('TURN configuration', () => {
  const base = { NODE_ENV: 'test', MEDICONNECT_DATA_DIR: '/tmp/unused' };

  it('refuses TURN URLs without the shared secret', () => {
    expect(() => loadConfig({ ...base, MEDICONNECT_TURN_URLS: TURN_URLS })).toThrow(ConfigError);
  });

  it('refuses a URL that is not turn: or turns:', () => {
    expect(() =>
      loadConfig({
        ...base,
        MEDICONNECT_TURN_URLS: 'stun:127.0.0.1:3478',
        MEDICONNECT_TURN_SECRET: TURN_SECRET,
      }),
    ).toThrow(/MEDICONNECT_TURN_URLS/);
  });

  it('configures no TURN server, and no outside STUN, by default', () => {
    expect(loadConfig(base).turn).toEqual({ urls: [], secret: null, credentialSeconds: 3600 });
  });
});
