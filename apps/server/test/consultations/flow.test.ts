import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toFhirAuditEvent } from '../../src/modules/audit/fhir.js';
import { get } from '../appointments/support.js';
import { marked } from '../support/canary.js';
import { auditEvents, bearer, errorCode, startTestApp, type TestApp } from '../support/harness.js';
import {
  ANSWER,
  CANDIDATE,
  OFFER,
  admittedPair,
  connect,
  issuedTokens,
  join,
  listen,
  roomToken,
  videoVisit,
} from './support.js';

const HEARTBEAT_MS = 150;

let t: TestApp;
let url: string;
beforeAll(async () => {
  t = await startTestApp(
    { MEDICONNECT_SIGNALING_HEARTBEAT_MS: String(HEARTBEAT_MS) },
    // On PostgreSQL, as production serves: the video encounter is written by the app role.
    { appRole: true },
  );
  url = await listen(t);
});
afterAll(async () => {
  await t.close();
});

describe('a video consultation, start to end', () => {
  it('waits, admits, relays offer, answer and candidates, and ends for both', async () => {
    const visit = await videoVisit(t);
    const doctorToken = await roomToken(t, visit.doctor, visit.id);
    const patientToken = await roomToken(t, visit.patient, visit.id);

    const patient = await join(url, patientToken);
    expect(patient.welcome).toEqual({
      type: 'welcome',
      role: 'patient',
      state: 'waiting',
      peerPresent: false,
      encounterId: null,
    });

    const doctor = await join(url, doctorToken);
    expect(doctor.welcome).toEqual({
      type: 'welcome',
      role: 'doctor',
      state: 'waiting',
      peerPresent: true,
      encounterId: null,
    });
    await doctor.client.next('patient-waiting');

    doctor.client.send({ type: 'admit' });
    const doctorAdmitted = await doctor.client.next('admitted');
    const patientAdmitted = await patient.client.next('admitted');
    expect(doctorAdmitted.encounterId).toMatch(/^[0-9a-f-]{36}$/);
    expect(patientAdmitted).toEqual({ type: 'admitted', encounterId: null });

    doctor.client.send({ type: 'signal', data: OFFER });
    expect(await patient.client.next('signal')).toEqual({ type: 'signal', data: OFFER });
    patient.client.send({ type: 'signal', data: ANSWER });
    expect(await doctor.client.next('signal')).toEqual({ type: 'signal', data: ANSWER });
    patient.client.send({ type: 'signal', data: CANDIDATE });
    doctor.client.send({ type: 'signal', data: CANDIDATE });
    expect(await doctor.client.next('signal')).toEqual({ type: 'signal', data: CANDIDATE });
    expect(await patient.client.next('signal')).toEqual({ type: 'signal', data: CANDIDATE });

    doctor.client.send({ type: 'end' });
    await doctor.client.next('ended');
    await patient.client.next('ended');
    expect(await doctor.client.closeCode()).toEqual({ code: 4000, reason: 'ended' });
    expect(await patient.client.closeCode()).toEqual({ code: 4000, reason: 'ended' });

    // A token fetched before the end still verifies; the room does not open again.
    const rejoin = await connect(url);
    rejoin.send({ type: 'auth', token: patientToken });
    expect(await rejoin.closeCode()).toEqual({ code: 4410, reason: 'consultation_ended' });
  });
});

describe('the waiting room', () => {
  it('tells a doctor already in the room that the patient has arrived, and the patient nothing', async () => {
    const visit = await videoVisit(t);
    const doctor = await join(url, await roomToken(t, visit.doctor, visit.id));
    expect(doctor.welcome).toMatchObject({ peerPresent: false, state: 'waiting' });

    const patient = await join(url, await roomToken(t, visit.patient, visit.id));

    expect(patient.welcome).toMatchObject({ peerPresent: true, state: 'waiting' });
    await doctor.client.next('patient-waiting');
    await sleep(100);
    expect(patient.client.received.map((m) => m.type)).toEqual(['welcome']);
  });

  it('never relays a waiting patient’s signal, nor the doctor’s signal to a waiting patient', async () => {
    const visit = await videoVisit(t);
    const patient = await join(url, await roomToken(t, visit.patient, visit.id));
    const doctor = await join(url, await roomToken(t, visit.doctor, visit.id));
    await doctor.client.next('patient-waiting');

    patient.client.send({ type: 'signal', data: OFFER });
    doctor.client.send({ type: 'signal', data: OFFER });

    expect(await patient.client.next('error')).toEqual({ type: 'error', code: 'not_admitted' });
    expect(await doctor.client.next('error')).toEqual({ type: 'error', code: 'not_admitted' });
    doctor.client.send({ type: 'admit' });
    await patient.client.next('admitted');
    doctor.client.send({ type: 'signal', data: ANSWER });
    expect(await patient.client.next('signal')).toEqual({ type: 'signal', data: ANSWER });
    expect(patient.client.all('signal')).toHaveLength(1);
    expect(doctor.client.all('signal')).toHaveLength(0);
  });

  it('lets only the doctor admit and end', async () => {
    const visit = await videoVisit(t);
    const patient = await join(url, await roomToken(t, visit.patient, visit.id));
    const doctor = await join(url, await roomToken(t, visit.doctor, visit.id));
    await doctor.client.next('patient-waiting');

    patient.client.send({ type: 'admit' });
    patient.client.send({ type: 'end' });

    expect(await patient.client.next('error')).toEqual({ type: 'error', code: 'forbidden' });
    expect(await patient.client.next('error')).toEqual({ type: 'error', code: 'forbidden' });
    expect(patient.client.all('admitted')).toEqual([]);
    expect(doctor.client.all('admitted')).toEqual([]);
  });

  it('admits nobody when no patient is waiting', async () => {
    const visit = await videoVisit(t);
    const doctor = await join(url, await roomToken(t, visit.doctor, visit.id));

    doctor.client.send({ type: 'admit' });

    expect(await doctor.client.next('error')).toEqual({
      type: 'error',
      code: 'patient_not_waiting',
    });
  });
});

describe('leaving and coming back', () => {
  it('tells the doctor the admitted patient left, and admits them again at once on return', async () => {
    const visit = await videoVisit(t);
    const { patient, doctor } = await admittedPair(t, url, visit);

    patient.send({ type: 'leave' });

    expect(await patient.closeCode()).toEqual({ code: 1000, reason: 'left' });
    expect(await doctor.next('peer-left')).toEqual({ type: 'peer-left', role: 'patient' });
    const back = await join(url, await roomToken(t, visit.patient, visit.id));
    expect(back.welcome).toMatchObject({ state: 'admitted', peerPresent: true });
    expect(await doctor.next('peer-joined')).toEqual({ type: 'peer-joined', role: 'patient' });
    doctor.send({ type: 'signal', data: OFFER });
    expect(await back.client.next('signal')).toEqual({ type: 'signal', data: OFFER });
  });

  it('tells the patient the doctor is back after the doctor reconnects', async () => {
    const visit = await videoVisit(t);
    const { patient, doctor, encounterId } = await admittedPair(t, url, visit);

    doctor.ws.terminate();

    expect(await patient.next('peer-left')).toEqual({ type: 'peer-left', role: 'doctor' });
    const back = await join(url, await roomToken(t, visit.doctor, visit.id));
    expect(back.welcome).toMatchObject({ state: 'admitted', peerPresent: true, encounterId });
    expect(await patient.next('peer-joined')).toEqual({ type: 'peer-joined', role: 'doctor' });
  });

  it('closes the first socket of a participant who opens a second (4409), without a peer-left', async () => {
    const visit = await videoVisit(t);
    const { patient, doctor } = await admittedPair(t, url, visit);

    const second = await join(url, await roomToken(t, visit.patient, visit.id));

    expect(await patient.closeCode()).toEqual({ code: 4409, reason: 'replaced' });
    expect(second.welcome).toMatchObject({ state: 'admitted' });
    expect(await doctor.next('peer-joined')).toEqual({ type: 'peer-joined', role: 'patient' });
    expect(doctor.all('peer-left')).toEqual([]);
    doctor.send({ type: 'signal', data: OFFER });
    expect(await second.client.next('signal')).toEqual({ type: 'signal', data: OFFER });
  });

  it('cuts a peer that stops answering pings, and tells the other participant', async () => {
    const visit = await videoVisit(t);
    const patient = await join(url, await roomToken(t, visit.patient, visit.id), {
      autoPong: false,
    });
    const doctor = await join(url, await roomToken(t, visit.doctor, visit.id));
    await doctor.client.next('patient-waiting');

    const left = await doctor.client.next('peer-left', HEARTBEAT_MS * 10);

    expect(left).toEqual({ type: 'peer-left', role: 'patient' });
    expect((await patient.client.closeCode()).code).toBe(1006);
  });

  it('keeps a peer that answers pings', async () => {
    const visit = await videoVisit(t);
    const { patient, doctor } = await admittedPair(t, url, visit);

    await sleep(HEARTBEAT_MS * 5);

    doctor.send({ type: 'signal', data: OFFER });
    expect(await patient.next('signal')).toEqual({ type: 'signal', data: OFFER });
    expect(doctor.all('peer-left')).toEqual([]);
  });
});

describe('the video encounter', () => {
  it('is opened at admission and completed by the doctor with a SOAP note', async () => {
    const visit = await videoVisit(t);
    const { doctor, encounterId } = await admittedPair(t, url, visit);

    const opened = await get(t, visit.doctor, `/api/v1/encounters/${String(encounterId)}`);
    const note = {
      subjective: marked('咳と微熱が3日続く'),
      objective: marked('画面越しに咽頭発赤'),
      assessment: marked('急性上気道炎'),
      plan: marked('対症療法、悪化時は受診'),
    };
    const written = await t.app.inject({
      method: 'POST',
      url: `/api/v1/encounters/${String(encounterId)}/amendments`,
      headers: bearer(visit.doctor),
      payload: {
        baseVersion: 1,
        reason: 'ビデオ診察の記録',
        note,
        diagnoses: [{ code: 'J06.9', name: '急性上気道炎' }],
      },
    });
    doctor.send({ type: 'end' });
    await doctor.closeCode();

    expect(opened.statusCode).toBe(200);
    expect(opened.json()).toMatchObject({
      patientId: visit.patientId,
      type: 'video',
      currentVersion: 1,
      note: { subjective: '', objective: '', assessment: '', plan: '' },
    });
    expect(written.statusCode).toBe(201);
    expect(written.json()).toMatchObject({ currentVersion: 2, note });
    const row = await t.services.tenants
      .handle(visit.clinic.tenant)
      .db.selectFrom('encounters')
      .select(['ended_at', 'clinician_id', 'appointment_id'])
      .where('id', '=', String(encounterId))
      .executeTakeFirstOrThrow();
    expect(row.clinician_id).toBe(visit.doctor.id);
    expect(row.appointment_id).toBe(visit.id);
    expect(row.ended_at).toBeInstanceOf(Date);
  });

  it('is shown on the appointment to the doctor, not to the patient', async () => {
    const visit = await videoVisit(t);
    const { encounterId } = await admittedPair(t, url, visit);

    const forDoctor = await get(t, visit.doctor, `/api/v1/appointments/${visit.id}`);
    const forPatient = await get(t, visit.patient, `/api/v1/appointments/${visit.id}`);
    const listed = await get(t, visit.clerk, `/api/v1/appointments?patientId=${visit.patientId}`);

    expect(forDoctor.json()).toMatchObject({ encounterId });
    expect(forPatient.json()).toMatchObject({ encounterId: null });
    expect(listed.json<{ items: { encounterId: unknown }[] }>().items[0]?.encounterId).toBeNull();
  });

  it('is opened once however often the doctor admits', async () => {
    const visit = await videoVisit(t);
    const { doctor, encounterId } = await admittedPair(t, url, visit);

    doctor.send({ type: 'admit' });
    const again = await doctor.next('admitted');
    const rows = await t.services.tenants
      .handle(visit.clinic.tenant)
      .db.selectFrom('encounters')
      .select('id')
      .where('appointment_id', '=', visit.id)
      .execute();

    expect(again.encounterId).toBe(encounterId);
    expect(rows).toEqual([{ id: encounterId }]);
  });
});

describe('after the end', () => {
  it('hands out no new video token', async () => {
    const visit = await videoVisit(t);
    const { doctor } = await admittedPair(t, url, visit);
    doctor.send({ type: 'end' });
    await doctor.closeCode();

    const response = await get(t, visit.patient, `/api/v1/appointments/${visit.id}/video-token`);

    expect(response.statusCode).toBe(409);
    expect(errorCode(response)).toBe('consultation_ended');
  });

  it('ends a consultation nobody was admitted to, for the waiting patient too', async () => {
    const visit = await videoVisit(t);
    const patient = await join(url, await roomToken(t, visit.patient, visit.id));
    const doctor = await join(url, await roomToken(t, visit.doctor, visit.id));

    doctor.client.send({ type: 'end' });

    await patient.client.next('ended');
    expect(await patient.client.closeCode()).toEqual({ code: 4000, reason: 'ended' });
    expect(await doctor.client.closeCode()).toEqual({ code: 4000, reason: 'ended' });
  });
});

describe('the audit trail', () => {
  it('records each join, the start once, the admission and the end', async () => {
    const visit = await videoVisit(t);
    const tokensBefore = issuedTokens.length;
    const { doctor } = await admittedPair(t, url, visit);
    doctor.ws.terminate();
    const back = await join(url, await roomToken(t, visit.doctor, visit.id));
    back.client.send({ type: 'end' });
    await back.client.closeCode();

    const events = (await auditEvents(t, visit.clinic.tenant)).filter(
      (e) => e.action.startsWith('consultation.') || e.action === 'encounter.create',
    );
    const summary = events
      .filter((e) => e.action !== 'consultation.token')
      .map((e) => `${e.action} ${e.actor_role} ${e.outcome}`);

    expect(summary).toEqual([
      'consultation.join patient success',
      'consultation.join doctor success',
      'consultation.start doctor success',
      'consultation.admit doctor success',
      'encounter.create doctor success',
      'consultation.join doctor success',
      'consultation.end doctor success',
    ]);
    const end = events.find((e) => e.action === 'consultation.end');
    expect(end === undefined ? null : toFhirAuditEvent(end, 'x').action).toBe('E');
    for (const token of issuedTokens.slice(tokensBefore))
      expect(JSON.stringify(events)).not.toContain(token.split('.')[2]);
    for (const event of events) {
      if (event.action === 'consultation.token') continue;
      expect(event.resource_id === visit.id || event.action === 'encounter.create').toBe(true);
      expect(event.patient_id).toBe(visit.patientId);
      expect(event.client_ip).toBe('127.0.0.1');
    }
  });
});

describe('the log', () => {
  it('has one line per socket with ids and codes, and never a room token', async () => {
    const visit = await videoVisit(t);
    const { doctor } = await admittedPair(t, url, visit);
    doctor.send({ type: 'end' });
    await doctor.closeCode();
    await sleep(50);

    const text = t.logs.join('');
    const closes = t.logs
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.includes('signaling socket closed'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

    expect(closes).toContainEqual(
      expect.objectContaining({
        route: '/api/v1/signaling',
        status: 4000,
        code: 'ended',
        userId: visit.doctor.id,
      }),
    );
    expect(issuedTokens.length).toBeGreaterThan(10);
    for (const token of issuedTokens) expect(text).not.toContain(token.split('.')[2]);
  });
});
