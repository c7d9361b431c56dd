import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createClinic,
  startTestApp,
  type Staff,
  type TestApp,
} from '../support/harness.js';
import { fixture, jpCoreFiles, runImport, scratchDir, writeJson } from './support.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

// A 保険者番号 with a valid check digit and an insured number no log line could hold by chance.
const INSURER_NUMBER = '06139976';
const INSURED_NUMBER = 'KN98765';

/** A payor and Coverage beside the JP Core patient, so real insurance numbers get imported. */
function insuranceFiles(): string[] {
  const dir = scratchDir();
  return [
    writeJson(dir, 'payor.json', {
      resourceType: 'Organization',
      id: 'jp-organization-example-payer',
      identifier: [{ system: 'urn:oid:1.2.392.100495.20.3.61', value: INSURER_NUMBER }],
      name: '保険組合',
    }),
    writeJson(dir, 'coverage.json', {
      resourceType: 'Coverage',
      id: 'coverage-1',
      status: 'active',
      beneficiary: { reference: 'Patient/jp-patient-example-1' },
      payor: [{ reference: 'Organization/jp-organization-example-payer' }],
      extension: [
        {
          url: 'http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Coverage_InsuredPersonNumber',
          valueString: 'ＫＮ９８７６５',
        },
      ],
    }),
  ];
}

async function readEverything(staff: Staff, patientIds: string[]): Promise<void> {
  const urls = ['/api/v1/patients', `/api/v1/patients?kana=${encodeURIComponent('ヤマ')}`];
  for (const id of patientIds) {
    urls.push(
      `/api/v1/patients/${id}`,
      `/api/v1/patients/${id}/encounters`,
      `/api/v1/patients/${id}/observations`,
      `/api/v1/patients/${id}/medications`,
    );
  }
  for (const url of urls) {
    const response = await t.app.inject({ method: 'GET', url, headers: bearer(staff) });
    expect(response.statusCode, url).toBe(200);
  }
}

describe('log privacy of imported data', () => {
  it('keeps imported names, birth dates, insurance numbers and note texts out of the logs', async () => {
    const clinic = await createClinic(t);
    const doctor = await clinic.staff('doctor');
    // JP Core's own Coverage would compete with ours for the patient's one insurance: left out.
    const jpCore = jpCoreFiles().filter((file) => !file.includes('Coverage-'));
    const report = await runImport(t, clinic.tenant, doctor.email, [
      fixture('synthea', 'patient-01.json'),
      ...jpCore,
      ...insuranceFiles(),
    ]);
    // Read back through the tenant's field encryption: the stored values are ciphertext.
    const { db, fields } = t.services.tenants.handle(clinic.tenant);
    const patients = await fields.openAll(
      'patients',
      await db.selectFrom('patients').selectAll().execute(),
    );
    const notes = await fields.openAll(
      'encounter_versions',
      await db.selectFrom('encounter_versions').selectAll().execute(),
    );

    await readEverything(
      doctor,
      patients.map((p) => p.id),
    );
    const logs = t.logs.join('\n');

    const secrets = [
      ...patients.flatMap((p) => [
        p.family_name,
        p.given_name,
        p.family_name_kana,
        p.given_name_kana,
        p.birth_date,
      ]),
      ...notes.flatMap((n) => n.subjective.split('\n')),
      INSURER_NUMBER,
      INSURED_NUMBER,
      'ヤマ',
    ].filter((value): value is string => value !== null && value !== '');
    expect(report.failures).toEqual([]);
    // What the fixtures hold, so the check below cannot pass by having nothing to look for.
    expect(secrets).toEqual(
      expect.arrayContaining([
        'Kreiger',
        'Clemente',
        '1984-07-02',
        '山田',
        '太郎',
        'ヤマダ',
        'タロウ',
        '1970-01-01',
        'Encounter for check up (procedure)',
      ]),
    );
    expect(patients.map((p) => p.insurance_number)).toContain(INSURED_NUMBER);
    expect(logs).toContain('request completed');
    for (const secret of secrets)
      expect(logs, 'a log line holds imported patient data').not.toContain(secret);
  });
});
