import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assignCare,
  auditEvents,
  bearer,
  createAccount,
  createFastClinic,
  createPatient,
  PASSWORD,
  startTestApp,
  type TestApp,
} from '../support/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const NOTE = {
  subjective: '頭痛',
  objective: '神経学的所見なし',
  assessment: '緊張型頭痛',
  plan: '経過観察',
};

describe('audit trail', () => {
  it('records who read which patient', async () => {
    const clinic = await createFastClinic(t);
    const clerk = await clinic.staff('clerk');
    const patient = await createPatient(t, clerk);

    await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${patient.id}`,
      headers: bearer(clerk),
    });

    const reads = (await auditEvents(t, clinic.tenant)).filter((e) => e.action === 'patient.read');
    expect(reads).toMatchObject([
      {
        actor_id: clerk.id,
        actor_role: 'clerk',
        patient_id: patient.id,
        resource_id: patient.id,
        outcome: 'success',
        request_id: expect.any(String) as string,
      },
    ]);
  });

  it('records the creation of a patient and of an encounter', async () => {
    const clinic = await createFastClinic(t);
    const clerk = await clinic.staff('clerk');
    const doctor = await clinic.staff('doctor');
    const patient = await createPatient(t, clerk);
    await assignCare(t, clerk, patient.id, doctor.id);

    const created = await t.app.inject({
      method: 'POST',
      url: `/api/v1/patients/${patient.id}/encounters`,
      headers: bearer(doctor),
      payload: { type: 'video', startedAt: '2025-05-01T01:00:00Z', note: NOTE, diagnoses: [] },
    });

    const events = await auditEvents(t, clinic.tenant);
    expect(events.filter((e) => e.action === 'patient.create')).toMatchObject([
      { actor_id: clerk.id, patient_id: patient.id, resource_id: patient.id, outcome: 'success' },
    ]);
    expect(events.filter((e) => e.action === 'encounter.create')).toMatchObject([
      {
        actor_id: doctor.id,
        actor_role: 'doctor',
        patient_id: patient.id,
        resource_id: created.json<{ id: string }>().id,
        outcome: 'success',
      },
    ]);
  });

  it('records an amendment with the version it created', async () => {
    const clinic = await createFastClinic(t);
    const clerk = await clinic.staff('clerk');
    const doctor = await clinic.staff('doctor');
    const patient = await createPatient(t, clerk);
    await assignCare(t, clerk, patient.id, doctor.id);
    const encounter = await t.app.inject({
      method: 'POST',
      url: `/api/v1/patients/${patient.id}/encounters`,
      headers: bearer(doctor),
      payload: { type: 'in_person', startedAt: '2025-05-01T01:00:00Z', note: NOTE, diagnoses: [] },
    });
    const encounterId = encounter.json<{ id: string }>().id;

    await t.app.inject({
      method: 'POST',
      url: `/api/v1/encounters/${encounterId}/amendments`,
      headers: bearer(doctor),
      payload: { baseVersion: 1, reason: '訂正', note: NOTE, diagnoses: [] },
    });

    const amendments = (await auditEvents(t, clinic.tenant)).filter(
      (e) => e.action === 'encounter.amend',
    );
    expect(amendments).toMatchObject([
      {
        actor_id: doctor.id,
        patient_id: patient.id,
        resource_id: encounterId,
        details: { version: 2 },
      },
    ]);
  });

  it('records a clerk’s refused clinical read as denied, naming the patient', async () => {
    const clinic = await createFastClinic(t);
    const clerk = await clinic.staff('clerk');
    const patient = await createPatient(t, clerk);

    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${patient.id}/encounters`,
      headers: bearer(clerk),
    });

    expect(response.statusCode).toBe(403);
    const denied = (await auditEvents(t, clinic.tenant)).filter((e) => e.outcome === 'denied');
    expect(denied).toMatchObject([
      { actor_id: clerk.id, actor_role: 'clerk', action: 'clinical.read', patient_id: patient.id },
    ]);
  });

  it('records a doctor’s out-of-care read as denied, though the answer is a plain 404', async () => {
    const clinic = await createFastClinic(t);
    const clerk = await clinic.staff('clerk');
    const doctor = await clinic.staff('doctor');
    const patient = await createPatient(t, clerk);

    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${patient.id}`,
      headers: bearer(doctor),
    });

    expect(response.statusCode).toBe(404);
    const events = await auditEvents(t, clinic.tenant);
    expect(events.filter((e) => e.outcome === 'denied')).toMatchObject([
      { actor_id: doctor.id, action: 'patient.read', patient_id: patient.id },
    ]);
    expect(events.filter((e) => e.action === 'patient.read' && e.outcome === 'success')).toEqual(
      [],
    );
  });

  it('records a role refusal that concerns no single patient', async () => {
    const clinic = await createFastClinic(t);
    const nurse = await clinic.staff('nurse');

    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/patients',
      headers: bearer(nurse),
      payload: {
        familyName: '試験',
        givenName: '花子',
        familyNameKana: 'シケン',
        givenNameKana: 'ハナコ',
        birthDate: '1990-01-01',
        sex: 'female',
      },
    });

    expect(response.statusCode).toBe(403);
    expect(
      (await auditEvents(t, clinic.tenant)).filter((e) => e.outcome === 'denied'),
    ).toMatchObject([{ actor_id: nurse.id, action: 'patient.create', patient_id: null }]);
  });

  it('records a successful login with the account', async () => {
    const clinic = await createFastClinic(t);
    const account = await createAccount(t, clinic, 'nurse');

    await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { tenant: clinic.tenant.code, email: account.email, password: PASSWORD },
    });

    expect(
      (await auditEvents(t, clinic.tenant)).filter((e) => e.action === 'auth.login'),
    ).toMatchObject([{ actor_id: account.id, actor_role: 'nurse', outcome: 'success' }]);
  });

  it('records failed logins without the password or email that was tried', async () => {
    const clinic = await createFastClinic(t);
    const account = await createAccount(t, clinic, 'doctor');
    const guessed = 'Guessed-Password-0451';
    const unknownEmail = `ghost@${clinic.tenant.code}.example`;

    await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { tenant: clinic.tenant.code, email: account.email, password: guessed },
    });
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { tenant: clinic.tenant.code, email: unknownEmail, password: guessed },
    });

    const failures = (await auditEvents(t, clinic.tenant)).filter((e) => e.action === 'auth.login');
    expect(failures).toHaveLength(2);
    expect(failures.every((e) => e.outcome === 'failure')).toBe(true);
    expect(failures.map((e) => e.actor_id).sort()).toEqual([account.id, null].sort());
    const stored = JSON.stringify(failures);
    expect(stored).not.toContain(guessed);
    expect(stored).not.toContain(unknownEmail);
  });

  it('records the reuse of a refresh token as denied', async () => {
    const clinic = await createFastClinic(t);
    const account = await createAccount(t, clinic, 'nurse');
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { tenant: clinic.tenant.code, email: account.email, password: PASSWORD },
    });
    const cookies = Object.fromEntries(login.cookies.map((c) => [c.name, c.value]));
    const refresh = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        cookies,
        headers: { 'x-csrf-token': cookies.mc_csrf ?? '', origin: 'http://localhost:8080' },
      });
    await refresh();

    const replay = await refresh();

    expect(replay.statusCode).toBe(401);
    expect(
      (await auditEvents(t, clinic.tenant)).filter((e) => e.action === 'auth.refresh_reuse'),
    ).toMatchObject([{ actor_id: account.id, outcome: 'denied' }]);
  });

  it('records a patient list with the ids it showed', async () => {
    const clinic = await createFastClinic(t);
    const clerk = await clinic.staff('clerk');
    const patient = await createPatient(t, clerk);

    await t.app.inject({ method: 'GET', url: '/api/v1/patients', headers: bearer(clerk) });

    expect(
      (await auditEvents(t, clinic.tenant)).filter((e) => e.action === 'patient.list'),
    ).toMatchObject([{ actor_id: clerk.id, details: { count: 1, patientIds: [patient.id] } }]);
  });

  it('keeps names and clinical text out of the audit details', async () => {
    const clinic = await createFastClinic(t);
    const clerk = await clinic.staff('clerk');
    const doctor = await clinic.staff('doctor');
    const patient = await createPatient(t, clerk, { familyName: '監査姓', givenName: '監査名' });
    await assignCare(t, clerk, patient.id, doctor.id);

    await t.app.inject({
      method: 'POST',
      url: `/api/v1/patients/${patient.id}/encounters`,
      headers: bearer(doctor),
      payload: {
        type: 'in_person',
        startedAt: '2025-05-01T01:00:00Z',
        note: { ...NOTE, subjective: '秘密の主訴' },
        diagnoses: [{ code: 'G44.2', name: '緊張型頭痛' }],
      },
    });
    await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${patient.id}`,
      headers: bearer(doctor),
    });

    const stored = JSON.stringify(await auditEvents(t, clinic.tenant));
    for (const secret of ['監査姓', '監査名', '秘密の主訴', 'G44.2', '01130012']) {
      expect(stored).not.toContain(secret);
    }
  });
});
