import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClinic, startTestApp, type TestApp } from '../support/harness.js';
import {
  apiGet,
  bundle,
  jpCoreFiles,
  rowCounts,
  runImport,
  fixture,
  scratchDir,
  writeJson,
  type EncounterItem,
  type Page,
  type PatientItem,
} from './support.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const get = (staff: { token: string }, url: string) => apiGet(t, staff, url);

describe('mediconnect import', () => {
  it('puts a Synthea bundle and JP Core resources in the assigned doctor’s charts, and nobody else’s', async () => {
    const clinic = await createClinic(t);
    const doctor = await clinic.staff('doctor');
    const otherDoctor = await clinic.staff('doctor');

    const report = await runImport(t, clinic.tenant, doctor.email, [
      ...jpCoreFiles(),
      fixture('synthea', 'patient-01.json'),
    ]);
    const list = (await get(doctor, '/api/v1/patients')).json<Page<PatientItem>>().items;
    const synthea = list.find((p) => p.familyName === 'Kreiger');
    const japanese = list.find((p) => p.familyName === '山田');
    const encounters = (await get(doctor, `/api/v1/patients/${synthea?.id}/encounters`)).json<
      Page<EncounterItem>
    >().items;
    const observations = (
      await get(doctor, `/api/v1/patients/${synthea?.id}/observations?limit=100`)
    ).json<Page<{ value: string }>>().items;
    const medications = (await get(doctor, `/api/v1/patients/${japanese?.id}/medications`)).json<
      Page<{ display: string }>
    >().items;
    const hidden = await get(otherDoctor, `/api/v1/patients/${synthea?.id}`);
    const otherList = (await get(otherDoctor, '/api/v1/patients')).json<Page<PatientItem>>().items;

    expect(report.failures).toEqual([]);
    expect(list).toHaveLength(2);
    expect(japanese?.familyNameKana).toBe('ヤマダ');
    expect(encounters).toHaveLength(3);
    expect(encounters.flatMap((e) => e.diagnoses.map((d) => d.code))).toContain('162864005');
    expect(encounters[0]?.clinicianName).toBe('Dr. June Kassulke');
    expect(observations).toHaveLength(48);
    expect(observations.some((o) => /^\d+(\.\d+)?\/\d+(\.\d+)? mm\[Hg\]$/.test(o.value))).toBe(
      true,
    );
    expect(medications.map((m) => m.display)).toEqual(['ムコダイン錠２５０ｍｇ']);
    expect(hidden.statusCode).toBe(404);
    expect(otherList).toEqual([]);
  });

  it('reports nothing new on a second import and leaves every row count as it was', async () => {
    const clinic = await createClinic(t);
    const doctor = await clinic.staff('doctor');
    const files = [fixture('synthea', 'patient-01.json'), ...jpCoreFiles()];
    await runImport(t, clinic.tenant, doctor.email, files);
    const before = await rowCounts(t, clinic.tenant);

    const again = await runImport(t, clinic.tenant, doctor.email, files);

    expect(again.tally.total('taken')).toBe(0);
    expect(again.tally.total('updated')).toBe(0);
    expect(again.careTeamAdded).toBe(0);
    expect(await rowCounts(t, clinic.tenant)).toEqual(before);
  });

  it('names the file and JSON path of a malformed file, keeps nothing of it, and imports the rest', async () => {
    const clinic = await createClinic(t);
    const doctor = await clinic.staff('doctor');
    const dir = scratchDir();
    const broken = writeJson(
      dir,
      'broken.json',
      bundle(
        {
          resourceType: 'Patient',
          id: 'p1',
          name: [{ family: 'Broken', given: ['Bundle'] }],
          birthDate: '1990-01-01',
        },
        {
          resourceType: 'Encounter',
          id: 'e1',
          subject: { reference: 'urn:uuid:p1' },
          period: { start: 'yesterday' },
        },
      ),
    );

    const report = await runImport(t, clinic.tenant, doctor.email, [
      broken,
      fixture('jpcore', 'Patient-jp-patient-example-1.json'),
    ]);
    const counts = await rowCounts(t, clinic.tenant);

    expect(report.failures).toEqual([
      `${broken}: $.entry[1].resource.period.start: not a date-time`,
    ]);
    expect(counts.patients).toBe(1);
    expect(counts.encounters).toBe(0);
  });

  it('refuses an assignee who is not an active doctor or nurse, before importing anything', async () => {
    const clinic = await createClinic(t);
    const clerk = await clinic.staff('clerk');

    const attempt = runImport(t, clinic.tenant, clerk.email, [
      fixture('jpcore', 'Patient-jp-patient-example-1.json'),
    ]);

    await expect(attempt).rejects.toThrow(/--assign-to must be an active doctor or nurse/);
    expect((await rowCounts(t, clinic.tenant)).patients).toBe(0);
  });
});
