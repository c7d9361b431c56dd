import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createClinic,
  createPatient,
  ORIGIN,
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

const TEMPORARY = 'portal-temporary-pass-5';

describe('patient portal accounts', () => {
  it('lets a clerk link an account to one patient, who then sees that record and no other', async () => {
    const clinic = await createClinic(t);
    const clerk = await clinic.staff('clerk');
    const mine = await createPatient(t, clerk);
    const other = await createPatient(t, clerk);

    const link = await t.app.inject({
      method: 'POST',
      url: `/api/v1/patients/${mine.id}/portal-account`,
      headers: { ...bearer(clerk), origin: ORIGIN },
      payload: { email: 'patient@home.example', temporaryPassword: TEMPORARY },
    });
    const first = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { origin: ORIGIN },
      payload: { tenant: clinic.tenant.code, email: 'patient@home.example', password: TEMPORARY },
    });
    const session = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password/initial',
      headers: { origin: ORIGIN },
      payload: {
        passwordToken: first.json<{ passwordToken: string }>().passwordToken,
        newPassword: 'my-own-portal-pass-77',
      },
    });
    const patient = { token: session.json<{ accessToken: string }>().accessToken };
    const own = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${mine.id}`,
      headers: bearer(patient),
    });
    const foreign = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${other.id}`,
      headers: bearer(patient),
    });

    expect(link.statusCode).toBe(201);
    expect(first.json<{ status: string }>().status).toBe('password_change_required');
    expect(own.statusCode).toBe(200);
    expect(foreign.statusCode).toBe(404);
  });

  it('links at most one account to a patient, and audits the link', async () => {
    const clinic = await createClinic(t);
    const clerk = await clinic.staff('clerk');
    const patient = await createPatient(t, clerk);
    const url = `/api/v1/patients/${patient.id}/portal-account`;
    await t.app.inject({
      method: 'POST',
      url,
      headers: { ...bearer(clerk), origin: ORIGIN },
      payload: { email: 'one@home.example', temporaryPassword: TEMPORARY },
    });

    const second = await t.app.inject({
      method: 'POST',
      url,
      headers: { ...bearer(clerk), origin: ORIGIN },
      payload: { email: 'two@home.example', temporaryPassword: TEMPORARY },
    });
    const events = await t.services.tenants
      .handle(clinic.tenant)
      .db.selectFrom('audit_events')
      .select(['action', 'patient_id'])
      .where('action', '=', 'portal.link')
      .execute();

    expect(second.statusCode).toBe(409);
    expect(events).toEqual([{ action: 'portal.link', patient_id: patient.id }]);
  });

  it('is refused to a doctor, and answers 404 for another clinic’s patient', async () => {
    const clinic = await createClinic(t);
    const clerk = await clinic.staff('clerk');
    const doctor = await clinic.staff('doctor');
    const patient = await createPatient(t, clerk);
    const elsewhere = await createClinic(t);
    const otherClerk = await elsewhere.staff('clerk');

    const byDoctor = await t.app.inject({
      method: 'POST',
      url: `/api/v1/patients/${patient.id}/portal-account`,
      headers: { ...bearer(doctor), origin: ORIGIN },
      payload: { email: 'x@home.example', temporaryPassword: TEMPORARY },
    });
    const crossTenant = await t.app.inject({
      method: 'POST',
      url: `/api/v1/patients/${patient.id}/portal-account`,
      headers: { ...bearer(otherClerk), origin: ORIGIN },
      payload: { email: 'y@home.example', temporaryPassword: TEMPORARY },
    });

    expect(byDoctor.statusCode).toBe(403);
    expect(crossTenant.statusCode).toBe(404);
  });
});
