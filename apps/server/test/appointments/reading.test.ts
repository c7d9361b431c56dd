import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assignCare,
  auditEvents,
  createFastClinic,
  createPatient,
  errorCode,
  startTestApp,
  type TestApp,
} from '../support/harness.js';
import { booked, get, inMinutes, setting } from './support.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

interface Page {
  items: { id: string; doctorId: string; patientId: string }[];
  nextCursor: string | null;
}

describe('reading appointments', () => {
  it('shows a doctor their own day by default and for doctorId=me', async () => {
    const { clinic, clerk, doctor, patientId } = await setting(t);
    const colleague = await clinic.staff('doctor');
    const own = await booked(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
    });
    await booked(t, clerk, {
      doctorId: colleague.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
    });

    const byDefault = await get(t, doctor, '/api/v1/appointments');
    const me = await get(t, doctor, '/api/v1/appointments?doctorId=me');

    expect(byDefault.json<Page>().items.map((a) => a.id)).toEqual([own.id]);
    expect(me.json<Page>().items.map((a) => a.id)).toEqual([own.id]);
  });

  it('shows a doctor every appointment of a patient in their care', async () => {
    const { clinic, clerk, doctor, patientId } = await setting(t);
    const colleague = await clinic.staff('doctor');
    await booked(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
    });
    await booked(t, clerk, {
      doctorId: colleague.id,
      patientId,
      start: inMinutes(120),
      end: inMinutes(150),
    });

    const response = await get(t, doctor, `/api/v1/appointments?patientId=${patientId}`);

    expect(response.json<Page>().items).toHaveLength(2);
  });

  it('answers 404 to a doctor asking about a patient outside their care', async () => {
    const { clinic, clerk, doctor, patientId } = await setting(t);
    const colleague = await clinic.staff('doctor');
    const { id } = await booked(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
    });

    const list = await get(t, colleague, `/api/v1/appointments?patientId=${patientId}`);
    const one = await get(t, colleague, `/api/v1/appointments/${id}`);

    expect([list.statusCode, one.statusCode]).toEqual([404, 404]);
  });

  it('lets a nurse read the appointments of a patient in their care', async () => {
    const { clinic, clerk, doctor, patientId } = await setting(t);
    const nurse = await clinic.staff('nurse');
    await assignCare(t, clerk, patientId, nurse.id);
    const { id } = await booked(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
    });

    const list = await get(t, nurse, '/api/v1/appointments');
    const one = await get(t, nurse, `/api/v1/appointments/${id}`);

    expect(list.json<Page>().items.map((a) => a.id)).toEqual([id]);
    expect(one.statusCode).toBe(200);
  });

  it('shows a nurse nothing of patients outside their care', async () => {
    const { clinic, clerk, doctor, patientId } = await setting(t);
    const nurse = await clinic.staff('nurse');
    const { id } = await booked(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
    });

    const list = await get(t, nurse, '/api/v1/appointments');
    const one = await get(t, nurse, `/api/v1/appointments/${id}`);

    expect(list.json<Page>().items).toEqual([]);
    expect(one.statusCode).toBe(404);
  });

  it('shows a patient only their own appointments', async () => {
    const { clinic, clerk, doctor, patientId } = await setting(t);
    const other = await createPatient(t, clerk);
    const patient = await clinic.staff('patient', { patientId });
    const own = await booked(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
    });
    const theirs = await booked(t, clerk, {
      doctorId: doctor.id,
      patientId: other.id,
      start: inMinutes(120),
      end: inMinutes(150),
    });

    const list = await get(t, patient, '/api/v1/appointments');
    const foreign = await get(t, patient, `/api/v1/appointments/${theirs.id}`);
    const asking = await get(t, patient, `/api/v1/appointments?patientId=${other.id}`);

    expect(list.json<Page>().items.map((a) => a.id)).toEqual([own.id]);
    expect(foreign.statusCode).toBe(404);
    expect(asking.statusCode).toBe(404);
  });

  it('answers an appointment of another clinic exactly as a missing one', async () => {
    const { clerk, doctor, patientId } = await setting(t);
    const elsewhere = await createFastClinic(t);
    const otherClerk = await elsewhere.staff('clerk');
    const { id } = await booked(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
    });

    const hidden = await get(t, otherClerk, `/api/v1/appointments/${id}`);
    const missing = await get(t, otherClerk, `/api/v1/appointments/${crypto.randomUUID()}`);

    expect(hidden.statusCode).toBe(404);
    expect(errorCode(hidden)).toBe(errorCode(missing));
    expect(hidden.json<{ error: { message: string } }>().error.message).toBe(
      missing.json<{ error: { message: string } }>().error.message,
    );
  });

  it('pages through the front desk’s list by start time', async () => {
    const { clerk, doctor, patientId } = await setting(t);
    const ids: string[] = [];
    for (const minutes of [60, 90, 120]) {
      const { id } = await booked(t, clerk, {
        doctorId: doctor.id,
        patientId,
        start: inMinutes(minutes),
        end: inMinutes(minutes + 30),
      });
      ids.push(id);
    }

    const first = await get(t, clerk, `/api/v1/appointments?doctorId=${doctor.id}&limit=2`);
    const cursor = first.json<Page>().nextCursor ?? '';
    const second = await get(
      t,
      clerk,
      `/api/v1/appointments?doctorId=${doctor.id}&limit=2&cursor=${cursor}`,
    );

    expect(first.json<Page>().items.map((a) => a.id)).toEqual(ids.slice(0, 2));
    expect(second.json<Page>()).toEqual({
      items: [expect.objectContaining({ id: ids[2] })],
      nextCursor: null,
    });
  });

  it('keeps to the from/to window', async () => {
    const { clerk, doctor, patientId } = await setting(t);
    await booked(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
    });
    const later = await booked(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(300),
      end: inMinutes(330),
    });

    const response = await get(
      t,
      clerk,
      `/api/v1/appointments?doctorId=${doctor.id}&from=${inMinutes(200)}&to=${inMinutes(400)}`,
    );

    expect(response.json<Page>().items.map((a) => a.id)).toEqual([later.id]);
  });

  it('refuses a forged cursor with 400', async () => {
    const { clerk } = await setting(t);

    const response = await get(t, clerk, '/api/v1/appointments?cursor=bm90LWEtY3Vyc29y');

    expect(response.statusCode).toBe(400);
  });

  it('audits every read, list and denial', async () => {
    const { clinic, clerk, doctor, patientId } = await setting(t);
    const colleague = await clinic.staff('doctor');
    const { id } = await booked(t, clerk, {
      doctorId: doctor.id,
      patientId,
      start: inMinutes(60),
      end: inMinutes(90),
    });

    await get(t, doctor, `/api/v1/appointments/${id}`);
    await get(t, doctor, '/api/v1/appointments');
    await get(t, colleague, `/api/v1/appointments/${id}`);
    const events = await auditEvents(t, clinic.tenant);

    expect(events.map((e) => [e.action, e.outcome, e.actor_id])).toEqual(
      expect.arrayContaining([
        ['appointment.read', 'success', doctor.id],
        ['appointment.list', 'success', doctor.id],
        ['appointment.read', 'denied', colleague.id],
      ]),
    );
  });
});
