import crypto from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { marked } from '../support/canary.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assignCare,
  bearer,
  createAccount,
  createFastClinic,
  createPatient,
  errorCode,
  patientBody,
  signIn,
  startTestApp,
  type Staff,
  type TestApp,
  staffName,
} from '../support/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { appRole: true });
});
afterAll(async () => {
  await t.close();
});

interface EncounterVersion {
  version: number;
  note: { subjective: string; objective: string; assessment: string; plan: string };
  diagnoses: { code: string; name: string }[];
  authorId: string | null;
  authorName: string;
  createdAt: string;
  reason: string | null;
}
interface Encounter {
  id: string;
  patientId: string;
  currentVersion: number;
  note: EncounterVersion['note'];
  diagnoses: EncounterVersion['diagnoses'];
  clinicianName: string;
  versions?: EncounterVersion[];
}
interface ErrorBody {
  error: { code: string; fields?: { path: string; message: string }[] };
}

// SOAP text, diagnosis names and reasons carry the log canary (test/support/canary.ts).
const NOTE = {
  subjective: marked('2日前から咽頭痛と発熱'),
  objective: marked('BT 38.2℃、咽頭発赤あり'),
  assessment: marked('急性上気道炎'),
  plan: marked('アセトアミノフェン頓用、3日後再診'),
};
const DIAGNOSIS_NAME = marked('急性上気道感染症');

function encounterBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'in_person',
    startedAt: '2025-04-01T09:30:00.000Z',
    note: NOTE,
    diagnoses: [{ code: 'J06.9', name: DIAGNOSIS_NAME }],
    ...overrides,
  };
}

function postEncounter(by: Staff, patientId: string, overrides: Record<string, unknown> = {}) {
  return t.app.inject({
    method: 'POST',
    url: `/api/v1/patients/${patientId}/encounters`,
    headers: bearer(by),
    payload: encounterBody(overrides),
  });
}

function getEncounter(by: Staff, encounterId: string) {
  return t.app.inject({
    method: 'GET',
    url: `/api/v1/encounters/${encounterId}`,
    headers: bearer(by),
  });
}

function amend(by: Staff, encounterId: string, body: Record<string, unknown>) {
  return t.app.inject({
    method: 'POST',
    url: `/api/v1/encounters/${encounterId}/amendments`,
    headers: bearer(by),
    payload: { note: NOTE, diagnoses: [], reason: marked('追記'), ...body },
  });
}

async function createEncounter(by: Staff, patientId: string): Promise<Encounter> {
  const response = await postEncounter(by, patientId);
  if (response.statusCode !== 201) throw new Error(`create encounter failed: ${response.body}`);
  return response.json<Encounter>();
}

/** A clinic with a clerk, a doctor and a patient in that doctor's care. */
async function clinicWithCare() {
  const clinic = await createFastClinic(t);
  const clerk = await clinic.staff('clerk');
  const doctor = await clinic.staff('doctor');
  const patient = await createPatient(t, clerk);
  await assignCare(t, clerk, patient.id, doctor.id);
  return { clinic, clerk, doctor, patient };
}

describe('creating encounters', () => {
  it('lets a doctor in care record a SOAP note with diagnoses', async () => {
    const { doctor, patient } = await clinicWithCare();

    const response = await postEncounter(doctor, patient.id, {
      diagnoses: [
        { code: 'J06.9', name: DIAGNOSIS_NAME },
        { code: 'R50', name: '発熱' },
      ],
    });

    expect(response.statusCode).toBe(201);
    expect(response.json<Encounter>()).toMatchObject({
      patientId: patient.id,
      currentVersion: 1,
      note: NOTE,
      diagnoses: [
        { code: 'J06.9', name: DIAGNOSIS_NAME },
        { code: 'R50', name: '発熱' },
      ],
    });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('rejects an invalid ICD-10 code, naming the field', async () => {
    const { doctor, patient } = await clinicWithCare();

    const response = await postEncounter(doctor, patient.id, {
      diagnoses: [
        { code: 'J06.9', name: 'ok' },
        { code: 'j069', name: '小文字' },
      ],
    });

    expect(response.statusCode).toBe(400);
    expect(response.json<ErrorBody>().error.fields?.map((f) => f.path)).toEqual([
      '/diagnoses/1/code',
    ]);
  });

  it('refuses unknown properties in the SOAP note', async () => {
    const { doctor, patient } = await clinicWithCare();

    const response = await postEncounter(doctor, patient.id, {
      note: { ...NOTE, html: '<b>x</b>' },
    });

    expect(response.statusCode).toBe(400);
    expect(response.json<ErrorBody>().error.fields?.map((f) => f.path)).toEqual(['/note/html']);
  });

  it('lets a nurse in care add a note', async () => {
    const { clinic, clerk, patient } = await clinicWithCare();
    const nurse = await clinic.staff('nurse');
    await assignCare(t, clerk, patient.id, nurse.id);

    const response = await postEncounter(nurse, patient.id);

    expect(response.statusCode).toBe(201);
    expect(response.json<Encounter>().clinicianName).toBe(staffName('nurse', clinic.tenant.code));
  });
});

describe('amendments', () => {
  it('adds version 2 and keeps version 1 readable with its author, time and reason', async () => {
    const { clinic, doctor, patient } = await clinicWithCare();
    const created = await createEncounter(doctor, patient.id);
    const amendedNote = { ...NOTE, plan: '抗菌薬は不要、5日後再診' };

    const amended = await amend(doctor, created.id, {
      baseVersion: 1,
      reason: '再診日の訂正',
      note: amendedNote,
      diagnoses: [{ code: 'J02.9', name: '急性咽頭炎' }],
    });
    const read = await getEncounter(doctor, created.id);

    expect(amended.statusCode).toBe(201);
    const encounter = read.json<Encounter>();
    expect(encounter).toMatchObject({
      currentVersion: 2,
      note: amendedNote,
      diagnoses: [{ code: 'J02.9', name: '急性咽頭炎' }],
    });
    const author = { authorId: doctor.id, authorName: staffName('doctor', clinic.tenant.code) };
    expect(encounter.versions).toMatchObject([
      {
        version: 1,
        note: NOTE,
        diagnoses: [{ code: 'J06.9', name: DIAGNOSIS_NAME }],
        reason: null,
        ...author,
      },
      {
        version: 2,
        note: amendedNote,
        diagnoses: [{ code: 'J02.9', name: '急性咽頭炎' }],
        reason: '再診日の訂正',
        ...author,
      },
    ]);
    for (const version of encounter.versions ?? []) {
      expect(Number.isNaN(Date.parse(version.createdAt))).toBe(false);
    }
  });

  it('answers an amendment of a stale version with 409 and changes nothing', async () => {
    const { doctor, patient } = await clinicWithCare();
    const created = await createEncounter(doctor, patient.id);
    await amend(doctor, created.id, {
      baseVersion: 1,
      reason: '一回目',
      note: { ...NOTE, plan: '一回目' },
    });
    const before = (await getEncounter(doctor, created.id)).json<Encounter>();

    const stale = await amend(doctor, created.id, {
      baseVersion: 1,
      reason: '古い版から',
      note: { ...NOTE, plan: '上書き' },
    });
    const after = (await getEncounter(doctor, created.id)).json<Encounter>();

    expect(stale.statusCode).toBe(409);
    expect(errorCode(stale)).toBe('version_conflict');
    expect(after.currentVersion).toBe(2);
    expect(after.versions).toEqual(before.versions);
  });

  it('answers an amendment of a version that does not exist yet with 409', async () => {
    const { doctor, patient } = await clinicWithCare();
    const created = await createEncounter(doctor, patient.id);

    const response = await amend(doctor, created.id, { baseVersion: 7, reason: '未来の版' });

    expect(response.statusCode).toBe(409);
    expect((await getEncounter(doctor, created.id)).json<Encounter>().versions).toHaveLength(1);
  });

  it('lets exactly one of two simultaneous amendments of the same version land', async () => {
    const { doctor, patient } = await clinicWithCare();
    const created = await createEncounter(doctor, patient.id);

    const responses = await Promise.all([
      amend(doctor, created.id, { baseVersion: 1, reason: 'A', note: { ...NOTE, plan: 'A' } }),
      amend(doctor, created.id, { baseVersion: 1, reason: 'B', note: { ...NOTE, plan: 'B' } }),
    ]);
    const after = (await getEncounter(doctor, created.id)).json<Encounter>();

    expect(responses.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect(after.versions).toHaveLength(2);
  });

  it('requires a reason', async () => {
    const { doctor, patient } = await clinicWithCare();
    const created = await createEncounter(doctor, patient.id);

    const response = await t.app.inject({
      method: 'POST',
      url: `/api/v1/encounters/${created.id}/amendments`,
      headers: bearer(doctor),
      payload: { baseVersion: 1, note: NOTE, diagnoses: [] },
    });

    expect(response.statusCode).toBe(400);
    expect(response.json<ErrorBody>().error.fields?.map((f) => f.path)).toEqual(['/reason']);
  });
});

describe('who may see clinical records', () => {
  it('refuses a clerk every clinical route with 403', async () => {
    const { clerk, doctor, patient } = await clinicWithCare();
    const encounter = await createEncounter(doctor, patient.id);

    const responses = await Promise.all([
      t.app.inject({
        method: 'GET',
        url: `/api/v1/patients/${patient.id}/encounters`,
        headers: bearer(clerk),
      }),
      getEncounter(clerk, encounter.id),
      postEncounter(clerk, patient.id),
      amend(clerk, encounter.id, { baseVersion: 1 }),
      t.app.inject({
        method: 'GET',
        url: `/api/v1/patients/${patient.id}/observations`,
        headers: bearer(clerk),
      }),
      t.app.inject({
        method: 'GET',
        url: `/api/v1/patients/${patient.id}/medications`,
        headers: bearer(clerk),
      }),
    ]);

    expect(responses.map((r) => r.statusCode)).toEqual([403, 403, 403, 403, 403, 403]);
    expect(responses.map(errorCode)).toEqual(Array(6).fill('forbidden'));
    expect((await getEncounter(doctor, encounter.id)).json<Encounter>().versions).toHaveLength(1);
  });

  it('refuses an admin clinical content with 403', async () => {
    const { clinic, doctor, patient } = await clinicWithCare();
    const admin = await clinic.staff('admin');
    const encounter = await createEncounter(doctor, patient.id);

    const response = await getEncounter(admin, encounter.id);

    expect(response.statusCode).toBe(403);
  });

  it('answers a doctor of the same clinic who is not in care with 404', async () => {
    const { clinic, doctor, patient } = await clinicWithCare();
    const otherDoctor = await clinic.staff('doctor');
    const encounter = await createEncounter(doctor, patient.id);

    const responses = await Promise.all([
      t.app.inject({
        method: 'GET',
        url: `/api/v1/patients/${patient.id}`,
        headers: bearer(otherDoctor),
      }),
      t.app.inject({
        method: 'GET',
        url: `/api/v1/patients/${patient.id}/encounters`,
        headers: bearer(otherDoctor),
      }),
      getEncounter(otherDoctor, encounter.id),
      postEncounter(otherDoctor, patient.id),
      amend(otherDoctor, encounter.id, { baseVersion: 1 }),
    ]);

    expect(responses.map((r) => r.statusCode)).toEqual([404, 404, 404, 404, 404]);
    expect((await getEncounter(doctor, encounter.id)).json<Encounter>().versions).toHaveLength(1);
  });

  it('does not let a doctor put themselves on a care team to reach a patient', async () => {
    const { clinic, patient } = await clinicWithCare();
    const outsider = await clinic.staff('doctor');

    const response = await t.app.inject({
      method: 'POST',
      url: `/api/v1/patients/${patient.id}/care-team`,
      headers: bearer(outsider),
      payload: { staffId: outsider.id },
    });

    expect(response.statusCode).toBe(404);
    const read = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${patient.id}`,
      headers: bearer(outsider),
    });
    expect(read.statusCode).toBe(404);
  });

  it('answers a doctor of another clinic with 404 for this clinic’s patient and encounter', async () => {
    const { doctor, patient } = await clinicWithCare();
    const encounter = await createEncounter(doctor, patient.id);
    const otherClinic = await createFastClinic(t);
    const intruder = await otherClinic.staff('doctor');

    const responses = await Promise.all([
      t.app.inject({
        method: 'GET',
        url: `/api/v1/patients/${patient.id}`,
        headers: bearer(intruder),
      }),
      t.app.inject({
        method: 'GET',
        url: `/api/v1/patients/${patient.id}/encounters`,
        headers: bearer(intruder),
      }),
      getEncounter(intruder, encounter.id),
      postEncounter(intruder, patient.id),
      amend(intruder, encounter.id, { baseVersion: 1 }),
    ]);

    expect(responses.map((r) => r.statusCode)).toEqual([404, 404, 404, 404, 404]);
    expect((await getEncounter(doctor, encounter.id)).json<Encounter>().versions).toHaveLength(1);
  });

  it('keeps another clinic’s admin and clerk out of this clinic’s patient', async () => {
    const { patient } = await clinicWithCare();
    const otherClinic = await createFastClinic(t);
    const admin = await otherClinic.staff('admin');
    const clerk = await otherClinic.staff('clerk');

    const byAdmin = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${patient.id}`,
      headers: bearer(admin),
    });
    const byClerk = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${patient.id}/care-team`,
      headers: bearer(clerk),
    });

    expect(byAdmin.statusCode).toBe(404);
    expect(byClerk.statusCode).toBe(404);
  });

  it('refuses to put a doctor of another clinic on this clinic’s care team', async () => {
    const { clerk, patient } = await clinicWithCare();
    const otherClinic = await createFastClinic(t);
    const foreignDoctor = await otherClinic.staff('doctor');

    const response = await t.app.inject({
      method: 'POST',
      url: `/api/v1/patients/${patient.id}/care-team`,
      headers: bearer(clerk),
      payload: { staffId: foreignDoctor.id },
    });

    expect(response.statusCode).toBe(400);
    expect(response.json<ErrorBody>().error.fields?.map((f) => f.path)).toEqual(['/staffId']);
    const reach = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${patient.id}`,
      headers: bearer(foreignDoctor),
    });
    expect(reach.statusCode).toBe(404);
  });

  it('ends a doctor’s access when the care-team assignment ends', async () => {
    const { clerk, doctor, patient } = await clinicWithCare();
    const encounter = await createEncounter(doctor, patient.id);

    const ended = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/patients/${patient.id}/care-team/${doctor.id}`,
      headers: bearer(clerk),
    });
    const patientRead = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${patient.id}`,
      headers: bearer(doctor),
    });
    const encounterRead = await getEncounter(doctor, encounter.id);
    const list = await t.app.inject({
      method: 'GET',
      url: '/api/v1/patients',
      headers: bearer(doctor),
    });

    expect(ended.statusCode).toBe(204);
    expect(patientRead.statusCode).toBe(404);
    expect(encounterRead.statusCode).toBe(404);
    expect(list.json<{ items: unknown[] }>().items).toEqual([]);
  });
});

describe('the patient role', () => {
  async function patientPortal() {
    const clinic = await createFastClinic(t);
    const clerk = await clinic.staff('clerk');
    const doctor = await clinic.staff('doctor');
    const own = await createPatient(t, clerk, { familyNameKana: 'ジブン' });
    const other = await createPatient(t, clerk, { familyNameKana: 'タニン' });
    await assignCare(t, clerk, own.id, doctor.id);
    const account = await createAccount(t, clinic, 'patient', { patientId: own.id });
    const session = await signIn(t, clinic.tenant.code, account.email);
    const patient: Staff = {
      id: account.id,
      email: account.email,
      role: 'patient',
      token: session.accessToken,
    };
    return { clinic, clerk, doctor, own, other, patient };
  }

  it('sees their own demographics', async () => {
    const { own, patient } = await patientPortal();

    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${own.id}`,
      headers: bearer(patient),
    });

    expect(response.statusCode).toBe(200);
    expect(response.json<{ id: string; familyNameKana: string }>()).toMatchObject({
      id: own.id,
      familyNameKana: 'ジブン',
    });
  });

  it('gets 404 for another patient', async () => {
    const { other, patient } = await patientPortal();

    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${other.id}`,
      headers: bearer(patient),
    });

    expect(response.statusCode).toBe(404);
  });

  it('gets 403 for encounters, even their own', async () => {
    const { doctor, own, patient } = await patientPortal();
    const encounter = await createEncounter(doctor, own.id);

    const list = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${own.id}/encounters`,
      headers: bearer(patient),
    });
    const read = await getEncounter(patient, encounter.id);

    expect(list.statusCode).toBe(403);
    expect(read.statusCode).toBe(403);
  });

  it('may neither list patients nor change their own record', async () => {
    const { own, patient } = await patientPortal();

    const list = await t.app.inject({
      method: 'GET',
      url: '/api/v1/patients',
      headers: bearer(patient),
    });
    const update = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/patients/${own.id}`,
      headers: { ...bearer(patient), 'if-match': '"1"' },
      payload: patientBody({ familyName: '改竄' }),
    });

    expect(list.statusCode).toBe(403);
    expect(update.statusCode).toBe(403);
  });
});

describe('lists', () => {
  it('lists encounters newest first, one page at a time', async () => {
    const { doctor, patient } = await clinicWithCare();
    for (const day of ['01', '03', '02']) {
      await postEncounter(doctor, patient.id, { startedAt: `2025-04-${day}T09:00:00.000Z` });
    }
    const url = `/api/v1/patients/${patient.id}/encounters?limit=2`;

    const first = await t.app.inject({ method: 'GET', url, headers: bearer(doctor) });
    const firstPage = first.json<{ items: { startedAt: string }[]; nextCursor: string | null }>();
    const second = await t.app.inject({
      method: 'GET',
      url: `${url}&cursor=${firstPage.nextCursor ?? ''}`,
      headers: bearer(doctor),
    });
    const secondPage = second.json<{ items: { startedAt: string }[]; nextCursor: string | null }>();

    expect([...firstPage.items, ...secondPage.items].map((e) => e.startedAt.slice(0, 10))).toEqual([
      '2025-04-03',
      '2025-04-02',
      '2025-04-01',
    ]);
    expect(secondPage.nextCursor).toBeNull();
  });

  it('pages through observations, those without a time last', async () => {
    const { clinic, doctor, patient } = await clinicWithCare();
    const { db, fields } = t.services.tenants.handle(clinic.tenant);
    const times = ['2025-01-02T00:00:00.000Z', null, '2025-01-03T00:00:00.000Z', null];
    for (const [index, time] of times.entries()) {
      const id = crypto.randomUUID();
      await db
        .insertInto('observations')
        .values(
          await fields.seal('observations', id, {
            id,
            patient_id: patient.id,
            encounter_id: null,
            code_system: 'http://loinc.org',
            code: '8867-4',
            display: `脈拍 ${index}`,
            value_text: '72',
            unit: '/min',
            effective_at: time,
          }),
        )
        .execute();
    }
    const seen: (string | null)[] = [];
    let cursor: string | null = '';

    while (cursor !== null) {
      const response: LightMyRequestResponse = await t.app.inject({
        method: 'GET',
        url: `/api/v1/patients/${patient.id}/observations?limit=1${cursor === '' ? '' : `&cursor=${cursor}`}`,
        headers: bearer(doctor),
      });
      expect(response.statusCode).toBe(200);
      const page = response.json<{
        items: { effectiveAt: string | null }[];
        nextCursor: string | null;
      }>();
      seen.push(...page.items.map((item) => item.effectiveAt));
      cursor = page.nextCursor;
    }

    expect(seen).toEqual(['2025-01-03T00:00:00.000Z', '2025-01-02T00:00:00.000Z', null, null]);
  });
});

describe('unknown ids', () => {
  it('answers an encounter id that does not exist with 404', async () => {
    const { doctor } = await clinicWithCare();

    const response = await getEncounter(doctor, crypto.randomUUID());

    expect(response.statusCode).toBe(404);
    expect(errorCode(response)).toBe('not_found');
  });
});
