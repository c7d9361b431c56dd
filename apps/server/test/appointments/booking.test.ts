import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditEvents,
  bearer,
  createPatient,
  errorCode,
  startTestApp,
  type TestApp,
} from '../support/harness.js';
import { MARKER, marked } from '../support/canary.js';
import { book, booked, get, inMinutes, patch, setting } from './support.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { appRole: true });
});
afterAll(() => t.close());

describe('booking an appointment', () => {
  it('stores the instants in UTC and answers them as ISO UTC', async () => {
    const { clerk, doctor, patientId } = await setting(t);
    const response = await book(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: '2027-01-05T10:00:00+09:00',
      end: '2027-01-05T10:30:00+09:00',
      note: '再診',
    });

    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({
      doctorId: doctor.id,
      patientId,
      start: '2027-01-05T01:00:00.000Z',
      end: '2027-01-05T01:30:00.000Z',
      type: 'video',
      status: 'booked',
      note: '再診',
    });
  });

  it('puts the doctor in the patient’s care, so the doctor can then read the patient', async () => {
    const { clerk, doctor, patientId } = await setting(t);
    const before = await get(t, doctor, `/api/v1/patients/${patientId}`);

    await booked(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
    });
    const after = await get(t, doctor, `/api/v1/patients/${patientId}`);

    expect(before.statusCode).toBe(404);
    expect(after.statusCode).toBe(200);
  });

  it('lets exactly one of two simultaneous overlapping bookings of one doctor win', async () => {
    const { clinic, clerk, doctor, patientId } = await setting(t);
    const other = await createPatient(t, clerk);
    const secondClerk = await clinic.staff('clerk');

    const answers = await Promise.all([
      book(t, clerk, { doctorId: doctor.id, patientId, start: inMinutes(60), end: inMinutes(90) }),
      book(t, secondClerk, {
        doctorId: doctor.id,
        patientId: other.id,
        start: inMinutes(75),
        end: inMinutes(105),
      }),
    ]);

    expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 409]);
    expect(answers.map(errorCode)).toContain('doctor_double_booked');
    expect(t.logs.join('')).not.toMatch(/23P01|request error/);
  });

  it('lets exactly one of five simultaneous bookings of one slot win', async () => {
    const { clerk, doctor, patientId } = await setting(t);
    const slot = { doctorId: doctor.id, patientId, start: inMinutes(60), end: inMinutes(90) };

    const answers = await Promise.all(Array.from({ length: 5 }, () => book(t, clerk, slot)));
    const list = await get(t, clerk, `/api/v1/appointments?doctorId=${doctor.id}`);

    expect(answers.filter((a) => a.statusCode === 201)).toHaveLength(1);
    expect(answers.filter((a) => errorCode(a) === 'doctor_double_booked')).toHaveLength(4);
    expect(list.json<{ items: unknown[] }>().items).toHaveLength(1);
  });

  it('books back-to-back slots when one ends exactly as the next starts', async () => {
    const { clerk, doctor, patientId } = await setting(t);

    const first = await book(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
    });
    const second = await book(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(90),
      end: inMinutes(120),
    });

    expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
  });

  it('frees the slot of a cancelled appointment', async () => {
    const { clerk, doctor, patientId } = await setting(t);
    const slot = { doctorId: doctor.id, patientId, start: inMinutes(60), end: inMinutes(90) };
    const first = await booked(t, clerk, slot);

    const whileBooked = await book(t, clerk, slot);
    await patch(t, clerk, first.id, { status: 'cancelled', cancelReason: '患者都合' });
    const afterCancel = await book(t, clerk, slot);

    expect(errorCode(whileBooked)).toBe('doctor_double_booked');
    expect(afterCancel.statusCode).toBe(201);
  });

  it('lets another doctor take the same slot', async () => {
    const { clinic, clerk, doctor, patientId } = await setting(t);
    const colleague = await clinic.staff('doctor');
    await booked(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
    });

    const response = await book(t, clerk, {
      doctorId: colleague.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
    });

    expect(response.statusCode).toBe(201);
  });

  it('lets a patient book for themselves with the patient id taken from their token', async () => {
    const { clinic, doctor, patientId } = await setting(t);
    const patient = await clinic.staff('patient', { patientId });

    const response = await book(t, patient, {
      doctorId: doctor.id,
      start: inMinutes(60),
      end: inMinutes(90),
    });

    expect(response.statusCode).toBe(201);
    expect(response.json<{ patientId: string }>().patientId).toBe(patientId);
  });

  it('answers 404 to a patient whose body names another patient, and books nothing', async () => {
    const { clinic, clerk, doctor, patientId } = await setting(t);
    const patient = await clinic.staff('patient', { patientId });
    const other = await createPatient(t, clerk);

    const response = await book(t, patient, {
      doctorId: doctor.id,
      patientId: other.id,
      start: inMinutes(60),
      end: inMinutes(90),
    });
    const list = await get(t, clerk, `/api/v1/appointments?patientId=${other.id}`);

    expect(response.statusCode).toBe(404);
    expect(list.json<{ items: unknown[] }>().items).toEqual([]);
  });

  it('answers 403 to a nurse who tries to book', async () => {
    const { clinic, doctor, patientId } = await setting(t);
    const nurse = await clinic.staff('nurse');

    const response = await book(t, nurse, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
    });

    expect(response.statusCode).toBe(403);
  });

  it('refuses an end before the start with the failing field', async () => {
    const { clerk, doctor, patientId } = await setting(t);

    const response = await book(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(90),
      end: inMinutes(60),
    });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { fields: [{ path: '/end' }] } });
  });

  it('refuses an appointment longer than four hours', async () => {
    const { clerk, doctor, patientId } = await setting(t);

    const response = await book(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(60 + 4 * 60 + 1),
    });

    expect(response.json()).toMatchObject({ error: { fields: [{ path: '/end' }] } });
  });

  it('refuses a start years ahead', async () => {
    const { clerk, doctor, patientId } = await setting(t);

    const response = await book(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: '2099-01-01T00:00:00Z',
      end: '2099-01-01T00:30:00Z',
    });

    expect(response.json()).toMatchObject({ error: { fields: [{ path: '/start' }] } });
  });

  it('refuses a nurse named as the doctor', async () => {
    const { clinic, clerk, patientId } = await setting(t);
    const nurse = await clinic.staff('nurse');

    const response = await book(t, clerk, {
      doctorId: nurse.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
    });

    expect(response.json()).toMatchObject({ error: { fields: [{ path: '/doctorId' }] } });
  });

  it('refuses a note longer than 1000 characters', async () => {
    const { clerk, doctor, patientId } = await setting(t);

    const response = await book(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
      note: 'あ'.repeat(1001),
    });

    expect(response.statusCode).toBe(400);
  });
});

describe('changing an appointment', () => {
  it('moves an appointment to a new time', async () => {
    const { clerk, doctor, patientId } = await setting(t);
    const { id } = await booked(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
    });

    const response = await patch(t, clerk, id, { start: inMinutes(120), end: inMinutes(150) });

    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ start: inMinutes(120), end: inMinutes(150) });
  });

  it('refuses to move an appointment onto another of the same doctor', async () => {
    const { clerk, doctor, patientId } = await setting(t);
    await booked(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
    });
    const { id } = await booked(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(120),
      end: inMinutes(150),
    });

    const response = await patch(t, clerk, id, { start: inMinutes(80), end: inMinutes(110) });

    expect(response.statusCode).toBe(409);
    expect(errorCode(response)).toBe('doctor_double_booked');
  });

  it('keeps a cancelled appointment readable with its reason', async () => {
    const { clerk, doctor, patientId } = await setting(t);
    const { id } = await booked(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
    });

    await patch(t, clerk, id, { status: 'cancelled', cancelReason: '患者都合' });
    const response = await get(t, clerk, `/api/v1/appointments/${id}`);

    expect(response.json()).toMatchObject({ status: 'cancelled', cancelReason: '患者都合' });
  });

  it('refuses to cancel without a reason', async () => {
    const { clerk, doctor, patientId } = await setting(t);
    const { id } = await booked(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
    });

    const response = await patch(t, clerk, id, { status: 'cancelled' });

    expect(response.json()).toMatchObject({ error: { fields: [{ path: '/cancelReason' }] } });
  });

  it('refuses to reschedule a cancelled appointment', async () => {
    const { clerk, doctor, patientId } = await setting(t);
    const { id } = await booked(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
    });
    await patch(t, clerk, id, { status: 'cancelled', cancelReason: '患者都合' });

    const response = await patch(t, clerk, id, { start: inMinutes(120), end: inMinutes(150) });

    expect(errorCode(response)).toBe('appointment_cancelled');
  });

  it('lets a patient cancel their own appointment', async () => {
    const { clinic, clerk, doctor, patientId } = await setting(t);
    const patient = await clinic.staff('patient', { patientId });
    const { id } = await booked(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
    });

    const response = await patch(t, patient, id, { status: 'cancelled', cancelReason: '体調回復' });

    expect(response.statusCode).toBe(200);
  });

  it('answers 404 to a patient changing someone else’s appointment', async () => {
    const { clinic, clerk, doctor, patientId } = await setting(t);
    const other = await createPatient(t, clerk);
    const patient = await clinic.staff('patient', { patientId: other.id });
    const { id } = await booked(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
    });

    const response = await patch(t, patient, id, { status: 'cancelled', cancelReason: '体調回復' });

    expect(response.statusCode).toBe(404);
  });

  it('answers 403 to a doctor changing an appointment', async () => {
    const { clerk, doctor, patientId } = await setting(t);
    const { id } = await booked(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
    });

    const response = await patch(t, doctor, id, { start: inMinutes(120), end: inMinutes(150) });

    expect(response.statusCode).toBe(403);
  });

  it('has no way to delete an appointment', async () => {
    const { clerk, doctor, patientId } = await setting(t);
    const { id } = await booked(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
    });

    const response = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/appointments/${id}`,
      headers: bearer(clerk),
    });

    expect(response.statusCode).toBe(404);
  });

  it('audits booking, reschedule and cancel, and keeps the note and reason out of the trail', async () => {
    const { clinic, clerk, doctor, patientId } = await setting(t);
    const { id } = await booked(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
      note: marked('胸痛の精査'),
    });
    await patch(t, clerk, id, { start: inMinutes(120), end: inMinutes(150) });
    await patch(t, clerk, id, { status: 'cancelled', cancelReason: marked('別の病院を受診') });

    const events = await auditEvents(t, clinic.tenant);
    const actions = events.filter((e) => e.resource_id === id).map((e) => e.action);
    const trail = JSON.stringify(events);

    expect(actions).toEqual(['appointment.book', 'appointment.reschedule', 'appointment.cancel']);
    expect(events.map((e) => e.action)).toContain('care_team.assign');
    expect(trail).not.toContain('胸痛');
    expect(trail).not.toContain('別の病院');
    expect(trail).not.toContain(MARKER);
    expect(t.logs.join('')).not.toContain(MARKER);
  });
});
