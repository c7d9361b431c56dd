import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assignCare,
  bearer,
  createFastClinic,
  createPatient,
  ORIGIN,
  startTestApp,
  type Staff,
  type TestApp,
} from '../support/harness.js';

/**
 * Care through an encounter (SPEC §4): the clinician of an encounter stays in the patient's care
 * for 90 days after it, unless taken off the care team after it.
 */

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const DAY = 86_400_000;
const note = { subjective: 's', objective: 'o', assessment: 'a', plan: 'p' };

/**
 * A doctor with an encounter for the patient and no care-team assignment. MediConnect lets only
 * a clinician in care write an encounter, so the assignment is deleted afterwards: the state a
 * booked appointment (issue 7) will leave.
 */
async function scene() {
  const clinic = await createFastClinic(t);
  const clerk = await clinic.staff('clerk');
  const doctor = await clinic.staff('doctor');
  const patient = await createPatient(t, clerk);
  await assignCare(t, clerk, patient.id, doctor.id);
  const encounter = await t.app.inject({
    method: 'POST',
    url: `/api/v1/patients/${patient.id}/encounters`,
    headers: { ...bearer(doctor), origin: ORIGIN },
    payload: { type: 'in_person', startedAt: new Date().toISOString(), note, diagnoses: [] },
  });
  const db = t.services.tenants.handle(clinic.tenant).db;
  await db.deleteFrom('care_team').where('patient_id', '=', patient.id).execute();
  return { clerk, doctor, patient, db, encounterId: encounter.json<{ id: string }>().id };
}

const read = (who: Staff, patientId: string) =>
  t.app.inject({ method: 'GET', url: `/api/v1/patients/${patientId}`, headers: bearer(who) });

describe('care through an encounter', () => {
  it('lets the clinician of a recent encounter read the patient and find them in the list', async () => {
    const { doctor, patient } = await scene();

    const chart = await read(doctor, patient.id);
    const list = await t.app.inject({
      method: 'GET',
      url: '/api/v1/patients',
      headers: bearer(doctor),
    });

    expect(chart.statusCode).toBe(200);
    expect(list.json<{ items: { id: string }[] }>().items.map((p) => p.id)).toEqual([patient.id]);
  });

  it('shows that clinician on the care team as in care through an encounter', async () => {
    const { clerk, doctor, patient } = await scene();

    const team = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${patient.id}/care-team`,
      headers: bearer(clerk),
    });

    expect(team.json<{ items: { staffId: string; via: string }[] }>().items).toMatchObject([
      { staffId: doctor.id, via: 'encounter' },
    ]);
  });

  it('ends 90 days after the encounter', async () => {
    const { doctor, patient, db, encounterId } = await scene();
    const longAgo = new Date(Date.now() - 91 * DAY);
    await db
      .updateTable('encounters')
      .set({ started_at: longAgo, created_at: longAgo })
      .where('id', '=', encounterId)
      .execute();

    expect((await read(doctor, patient.id)).statusCode).toBe(404);
  });

  it('is not stretched by an encounter dated in the future', async () => {
    const { doctor, patient, db, encounterId } = await scene();
    await db
      .updateTable('encounters')
      .set({
        started_at: new Date(Date.now() + 365 * DAY),
        created_at: new Date(Date.now() - 91 * DAY),
      })
      .where('id', '=', encounterId)
      .execute();

    expect((await read(doctor, patient.id)).statusCode).toBe(404);
  });

  it('ends when a clerk takes the clinician off the care team', async () => {
    const { clerk, doctor, patient } = await scene();

    const removal = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/patients/${patient.id}/care-team/${doctor.id}`,
      headers: { ...bearer(clerk), origin: ORIGIN },
    });

    expect(removal.statusCode).toBe(204);
    expect((await read(doctor, patient.id)).statusCode).toBe(404);
  });

  it('does not outlive the end of an assignment during which the encounter was written', async () => {
    const clinic = await createFastClinic(t);
    const clerk = await clinic.staff('clerk');
    const doctor = await clinic.staff('doctor');
    const patient = await createPatient(t, clerk);
    await assignCare(t, clerk, patient.id, doctor.id);
    await t.app.inject({
      method: 'POST',
      url: `/api/v1/patients/${patient.id}/encounters`,
      headers: { ...bearer(doctor), origin: ORIGIN },
      payload: { type: 'in_person', startedAt: new Date().toISOString(), note, diagnoses: [] },
    });

    await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/patients/${patient.id}/care-team/${doctor.id}`,
      headers: { ...bearer(clerk), origin: ORIGIN },
    });

    expect((await read(doctor, patient.id)).statusCode).toBe(404);
  });
});
