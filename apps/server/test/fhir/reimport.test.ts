import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createClinic,
  patientBody,
  startTestApp,
  type TestApp,
} from '../support/harness.js';
import {
  apiGet,
  bundle,
  runImport,
  scratchDir,
  writeJson,
  type EncounterItem,
  type Page,
  type PatientItem,
  type VersionItem,
} from './support.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const get = (staff: { token: string }, url: string) => apiGet(t, staff, url);

describe('mediconnect import, again and in any order', () => {
  it('resolves Synthea conditional references to practitioners imported from a later file', async () => {
    const clinic = await createClinic(t);
    const doctor = await clinic.staff('doctor');
    const dir = scratchDir();
    const visits = writeJson(
      dir,
      'visits.json',
      bundle(
        {
          resourceType: 'Patient',
          id: 'p1',
          name: [{ family: 'Order', given: ['Free'] }],
          birthDate: '1990-01-01',
        },
        {
          resourceType: 'Encounter',
          id: 'e1',
          subject: { reference: 'urn:uuid:p1' },
          participant: [
            {
              individual: {
                reference: 'Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999',
              },
            },
          ],
          period: { start: '2024-04-01T09:00:00+09:00' },
        },
      ),
    );
    const practitioners = writeJson(
      dir,
      'practitioners.json',
      bundle({
        resourceType: 'Practitioner',
        id: 'd1',
        identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '9999' }],
        name: [{ family: 'Stark', given: ['Antonia'], prefix: ['Dr.'] }],
      }),
    );

    const report = await runImport(t, clinic.tenant, doctor.email, [visits, practitioners]);
    const list = (await get(doctor, '/api/v1/patients')).json<Page<PatientItem>>().items;
    const encounters = (await get(doctor, `/api/v1/patients/${list[0]?.id}/encounters`)).json<
      Page<EncounterItem>
    >().items;

    expect(report.waited).toBe(1);
    expect(encounters.map((e) => e.clinicianName)).toEqual(['Dr. Antonia Stark']);
  });

  it('adds a re-import version when an encounter changed, keeping the imported one readable', async () => {
    const clinic = await createClinic(t);
    const doctor = await clinic.staff('doctor');
    const dir = scratchDir();
    const patient = {
      resourceType: 'Patient',
      id: 'p1',
      name: [{ family: 'Again', given: ['Once'] }],
      birthDate: '1990-01-01',
    };
    const visit = (reason: string) => ({
      resourceType: 'Encounter',
      id: 'e1',
      subject: { reference: 'urn:uuid:p1' },
      period: { start: '2024-04-01T09:00:00+09:00' },
      reasonCode: [{ text: reason }],
    });
    await runImport(t, clinic.tenant, doctor.email, [
      writeJson(dir, 'v1.json', bundle(patient, visit('cough'))),
    ]);

    const report = await runImport(t, clinic.tenant, doctor.email, [
      writeJson(dir, 'v2.json', bundle(patient, visit('cough and fever'))),
    ]);
    const list = (await get(doctor, '/api/v1/patients')).json<Page<PatientItem>>().items;
    const encounters = (await get(doctor, `/api/v1/patients/${list[0]?.id}/encounters`)).json<
      Page<EncounterItem>
    >().items;
    const versions = (await get(doctor, `/api/v1/encounters/${encounters[0]?.id}`)).json<{
      versions: VersionItem[];
    }>().versions;

    expect(report.tally.total('updated')).toBe(1);
    expect(versions.map((v) => [v.note.subjective, v.authorName, v.reason])).toEqual([
      ['cough', 'FHIR import', null],
      ['cough and fever', 'FHIR import', 're-import'],
    ]);
  });

  it('leaves an encounter a doctor has amended alone when the source changes it', async () => {
    const clinic = await createClinic(t);
    const doctor = await clinic.staff('doctor');
    const dir = scratchDir();
    const file = (reason: string) =>
      bundle(
        { resourceType: 'Patient', id: 'p1', name: [{ family: 'Kept' }], birthDate: '1990-01-01' },
        {
          resourceType: 'Encounter',
          id: 'e1',
          subject: { reference: 'urn:uuid:p1' },
          period: { start: '2024-04-01T09:00:00+09:00' },
          reasonCode: [{ text: reason }],
        },
      );
    await runImport(t, clinic.tenant, doctor.email, [writeJson(dir, 'v1.json', file('cough'))]);
    const patientId = (await get(doctor, '/api/v1/patients')).json<Page<PatientItem>>().items[0]
      ?.id;
    const encounterId = (await get(doctor, `/api/v1/patients/${patientId}/encounters`)).json<
      Page<EncounterItem>
    >().items[0]?.id;
    const note = {
      subjective: 'cough',
      objective: 'clear lungs',
      assessment: 'cold',
      plan: 'rest',
    };
    const amended = await t.app.inject({
      method: 'POST',
      url: `/api/v1/encounters/${encounterId}/amendments`,
      headers: bearer(doctor),
      payload: { baseVersion: 1, reason: 'examined', note, diagnoses: [] },
    });

    const report = await runImport(t, clinic.tenant, doctor.email, [
      writeJson(dir, 'v2.json', file('cough and fever')),
    ]);
    const versions = (await get(doctor, `/api/v1/encounters/${encounterId}`)).json<{
      versions: VersionItem[];
    }>().versions;

    expect(amended.statusCode).toBe(201);
    expect(report.tally.types().find(([type]) => type === 'Encounter')?.[1].skipped).toEqual(
      new Map([['amended in MediConnect since the import', 1]]),
    );
    expect(versions.map((v) => v.note.subjective)).toEqual(['cough', 'cough']);
  });

  it('files a changed Condition in a new version that carries the other diagnoses along', async () => {
    const clinic = await createClinic(t);
    const doctor = await clinic.staff('doctor');
    const dir = scratchDir();
    const condition = (id: string, code: string, text: string) => ({
      resourceType: 'Condition',
      id,
      subject: { reference: 'urn:uuid:p1' },
      encounter: { reference: 'urn:uuid:e1' },
      code: { coding: [{ system: 'http://snomed.info/sct', code }], text },
    });
    const file = (second: Record<string, unknown>) =>
      bundle(
        {
          resourceType: 'Patient',
          id: 'p1',
          name: [{ family: 'Coded', given: ['Twice'] }],
          birthDate: '1990-01-01',
        },
        {
          resourceType: 'Encounter',
          id: 'e1',
          subject: { reference: 'urn:uuid:p1' },
          period: { start: '2024-04-01T09:00:00+09:00' },
        },
        condition('c1', '40055000', 'Chronic sinusitis'),
        second,
      );
    await runImport(t, clinic.tenant, doctor.email, [
      writeJson(dir, 'v1.json', file(condition('c2', '195662009', 'Acute viral pharyngitis'))),
    ]);

    const report = await runImport(t, clinic.tenant, doctor.email, [
      writeJson(dir, 'v2.json', file(condition('c2', '43878008', 'Streptococcal sore throat'))),
    ]);
    const list = (await get(doctor, '/api/v1/patients')).json<Page<PatientItem>>().items;
    const encounters = (await get(doctor, `/api/v1/patients/${list[0]?.id}/encounters`)).json<
      Page<EncounterItem>
    >().items;
    const versions = (await get(doctor, `/api/v1/encounters/${encounters[0]?.id}`)).json<{
      versions: VersionItem[];
    }>().versions;

    expect(report.tally.total('updated')).toBe(1);
    expect(versions.map((v) => [v.reason, v.diagnoses.map((d) => d.code)])).toEqual([
      [null, ['40055000', '195662009']],
      ['re-import', ['40055000', '43878008']],
    ]);
  });

  it('updates imported demographics one version up, and leaves a patient edited in MediConnect alone', async () => {
    const clinic = await createClinic(t);
    const doctor = await clinic.staff('doctor');
    const clerk = await clinic.staff('clerk');
    const dir = scratchDir();
    const patient = (phone: string) =>
      bundle({
        resourceType: 'Patient',
        id: 'p1',
        birthDate: '1990-01-01',
        name: [{ family: 'Moved', given: ['Often'] }],
        telecom: [{ system: 'phone', value: phone }],
      });
    await runImport(t, clinic.tenant, doctor.email, [
      writeJson(dir, 'v1.json', patient('03-1111-1111')),
    ]);

    const updated = await runImport(t, clinic.tenant, doctor.email, [
      writeJson(dir, 'v2.json', patient('03-2222-2222')),
    ]);
    const id = (await get(clerk, '/api/v1/patients')).json<Page<PatientItem>>().items[0]?.id ?? '';
    const afterImport = (await get(clerk, `/api/v1/patients/${id}`)).json<{
      version: number;
      phone: string;
    }>();
    const edit = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/patients/${id}`,
      headers: { ...bearer(clerk), 'if-match': '"2"' },
      payload: patientBody({ phone: '090-3333-3333' }),
    });
    const refused = await runImport(t, clinic.tenant, doctor.email, [
      writeJson(dir, 'v3.json', patient('03-4444-4444')),
    ]);
    const afterEdit = (await get(clerk, `/api/v1/patients/${id}`)).json<{ phone: string }>();

    expect(updated.tally.total('updated')).toBe(1);
    expect(afterImport).toMatchObject({ version: 2, phone: '0322222222' });
    expect(edit.statusCode).toBe(200);
    expect(refused.tally.types()[0]?.[1].skipped).toEqual(
      new Map([['edited in MediConnect since the import', 1]]),
    );
    expect(afterEdit.phone).toBe('09033333333');
  });
});
