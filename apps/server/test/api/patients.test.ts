import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assignCare,
  bearer,
  createClinic,
  createPatient,
  errorCode,
  patientBody,
  startTestApp,
  type TestApp,
} from '../support/harness.js';

interface ErrorBody {
  error: { code: string; fields?: { path: string; message: string }[] };
}
interface PatientPage {
  items: { familyNameKana: string }[];
  nextCursor: string | null;
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { appRole: true });
});
afterAll(async () => {
  await t.close();
});

describe('patients', () => {
  it('lets a clerk register a patient and read it back with its version', async () => {
    const clinic = await createClinic(t);
    const clerk = await clinic.staff('clerk');
    const created = await createPatient(t, clerk, {
      insurance: { insurerNumber: '０１１３００１２', symbol: null, number: '1', branch: null },
    });

    const read = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${created.id}`,
      headers: bearer(clerk),
    });

    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('"1"');
    expect(read.headers['cache-control']).toBe('no-store');
    expect(read.json()).toMatchObject({
      familyNameKana: patientBody().familyNameKana,
      insurance: { insurerNumber: '01130012' },
    });
  });

  it('rejects a 保険者番号 with a wrong check digit, naming the field', async () => {
    const clinic = await createClinic(t);
    const clerk = await clinic.staff('clerk');

    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/patients',
      headers: bearer(clerk),
      payload: patientBody({
        insurance: { insurerNumber: '01130013', symbol: null, number: '1', branch: null },
      }),
    });

    expect(response.statusCode).toBe(400);
    expect(response.json<ErrorBody>().error.fields).toEqual([
      { path: '/insurance/insurerNumber', message: 'has a wrong check digit' },
    ]);
  });

  it('refuses unknown properties', async () => {
    const clinic = await createClinic(t);
    const clerk = await clinic.staff('clerk');

    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/patients',
      headers: bearer(clerk),
      payload: patientBody({ isAdmin: true }),
    });

    expect(response.statusCode).toBe(400);
    expect(response.json<ErrorBody>().error.fields?.[0]?.path).toBe('/isAdmin');
  });

  it('answers a stale update with 409 and keeps the newer data', async () => {
    const clinic = await createClinic(t);
    const clerk = await clinic.staff('clerk');
    const created = await createPatient(t, clerk);
    const first = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/patients/${created.id}`,
      headers: { ...bearer(clerk), 'if-match': '"1"' },
      payload: patientBody({ givenName: '一回目' }),
    });

    const stale = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/patients/${created.id}`,
      headers: { ...bearer(clerk), 'if-match': '"1"' },
      payload: patientBody({ givenName: '二回目' }),
    });
    const after = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${created.id}`,
      headers: bearer(clerk),
    });

    expect(first.statusCode).toBe(200);
    expect(stale.statusCode).toBe(409);
    expect(errorCode(stale)).toBe('version_conflict');
    expect(after.json()).toMatchObject({ givenName: '一回目', version: 2 });
  });

  it('hides a patient outside the doctor’s care behind the same 404 as a missing one', async () => {
    const clinic = await createClinic(t);
    const clerk = await clinic.staff('clerk');
    const doctor = await clinic.staff('doctor');
    const patient = await createPatient(t, clerk);

    const outOfCare = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${patient.id}`,
      headers: bearer(doctor),
    });
    const missing = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${crypto.randomUUID()}`,
      headers: bearer(doctor),
    });
    await assignCare(t, clerk, patient.id, doctor.id);
    const inCare = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${patient.id}`,
      headers: bearer(doctor),
    });

    expect(outOfCare.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
    expect(Object.keys(outOfCare.json<ErrorBody>().error)).toEqual(
      Object.keys(missing.json<ErrorBody>().error),
    );
    expect(inCare.statusCode).toBe(200);
  });

  it('finds patients by kana prefix, one page at a time', async () => {
    const clinic = await createClinic(t);
    const clerk = await clinic.staff('clerk');
    for (const kana of ['ヤマダ', 'ヤマモト', 'ヤマグチ', 'タナカ'])
      await createPatient(t, clerk, { familyNameKana: kana });

    const first = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients?kana=${encodeURIComponent('やま')}&limit=2`,
      headers: bearer(clerk),
    });
    const firstPage = first.json<PatientPage>();
    const second = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients?kana=${encodeURIComponent('ヤマ')}&limit=2&cursor=${firstPage.nextCursor ?? ''}`,
      headers: bearer(clerk),
    });
    const secondPage = second.json<PatientPage>();

    const names = [...firstPage.items, ...secondPage.items].map((p) => p.familyNameKana);
    expect(names).toEqual(['ヤマグチ', 'ヤマダ', 'ヤマモト']);
    expect(secondPage.nextCursor).toBeNull();
  });

  it('lets exactly one of two simultaneous updates with the same If-Match land', async () => {
    const clinic = await createClinic(t);
    const clerk = await clinic.staff('clerk');
    const created = await createPatient(t, clerk);
    const update = (givenName: string) =>
      t.app.inject({
        method: 'PUT',
        url: `/api/v1/patients/${created.id}`,
        headers: { ...bearer(clerk), 'if-match': '"1"' },
        payload: patientBody({ givenName }),
      });

    const responses = await Promise.all([update('甲'), update('乙')]);
    const after = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${created.id}`,
      headers: bearer(clerk),
    });

    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const winner = responses
      .find((r) => r.statusCode === 200)
      ?.json<{ givenName: string }>().givenName;
    expect(after.json()).toMatchObject({ version: 2, givenName: winner });
  });

  it('refuses an update that names no version with 428', async () => {
    const clinic = await createClinic(t);
    const clerk = await clinic.staff('clerk');
    const created = await createPatient(t, clerk);

    const response = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/patients/${created.id}`,
      headers: bearer(clerk),
      payload: patientBody({ givenName: '無条件' }),
    });

    expect(response.statusCode).toBe(428);
    expect(errorCode(response)).toBe('precondition_required');
  });
});
