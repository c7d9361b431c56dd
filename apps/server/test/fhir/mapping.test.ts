import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { At, MappingError } from '../../src/modules/fhir/json.js';
import {
  diagnosisCoding,
  isIcd10,
  mapCondition,
  mapEncounter,
  observationValue,
} from '../../src/modules/fhir/mapping-clinical.js';
import { mapPatient } from '../../src/modules/fhir/mapping.js';
import { readResources } from '../../src/modules/fhir/reader.js';
import { referenceKey } from '../../src/modules/fhir/references.js';
import { fixture, scratchDir } from './support.js';

const at = (value: unknown) => new At(value, '$');
const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, 'utf8'));

function quantity(value: number, unit: string) {
  return { value, unit, system: 'http://unitsofmeasure.org', code: unit };
}

function component(code: string, value: number) {
  return {
    code: { coding: [{ system: 'http://loinc.org', code }] },
    valueQuantity: quantity(value, 'mmHg'),
  };
}

describe('FHIR mapping', () => {
  it('takes kanji and kana from a JP Core Patient (IDE and SYL names)', () => {
    const row = mapPatient(at(readJson(fixture('jpcore', 'Patient-jp-patient-example-1.json'))));

    expect(row).toMatchObject({
      family_name: '山田',
      given_name: '太郎',
      family_name_kana: 'ヤマダ',
      given_name_kana: 'タロウ',
      sort_name: 'ヤマダ タロウ',
      birth_date: '1970-01-01',
      sex: 'male',
    });
  });

  it('leaves kana empty for a name without a phonetic form, and sorts by the name', () => {
    const row = mapPatient(
      at({
        resourceType: 'Patient',
        birthDate: '1988-03-16',
        gender: 'male',
        name: [{ use: 'official', family: 'Hoeger', given: ['Buster'], prefix: ['Mr.'] }],
      }),
    );

    expect(row).toMatchObject({
      family_name: 'Hoeger',
      given_name: 'Buster',
      family_name_kana: null,
      given_name_kana: null,
      sort_name: 'HOEGER BUSTER',
    });
  });

  it('keeps ICD-10 when the source codes in ICD-10, whatever else it carries', () => {
    const coding = diagnosisCoding([
      { system: 'http://snomed.info/sct', code: '444814009', display: 'Viral sinusitis' },
      { system: 'http://hl7.org/fhir/sid/icd-10', code: 'J01.9', display: 'Acute sinusitis' },
    ]);

    expect(coding).toMatchObject({ system: 'http://hl7.org/fhir/sid/icd-10', code: 'J01.9' });
  });

  it('keeps a SNOMED-only diagnosis with its system instead of passing it off as ICD-10', () => {
    const coding = diagnosisCoding([
      { system: 'http://snomed.info/sct', code: '40055000', display: null },
    ]);

    expect(coding).toMatchObject({ system: 'http://snomed.info/sct', code: '40055000' });
  });

  it('recognises ICD-10 by its system and the shape of the code', () => {
    expect(
      isIcd10({ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.65', display: null }),
    ).toBe(true);
    expect(isIcd10({ system: 'urn:oid:2.16.840.1.113883.6.3', code: 'J06.9', display: null })).toBe(
      true,
    );
    expect(
      isIcd10({ system: 'http://hl7.org/fhir/sid/icd-10', code: 'sinusitis', display: null }),
    ).toBe(false);
    expect(isIcd10({ system: 'http://snomed.info/sct', code: 'J06.9', display: null })).toBe(false);
  });

  it('skips a Condition that names no encounter, saying why', () => {
    const draft = mapCondition(
      at(readJson(fixture('jpcore', 'Condition-jp-condition-diagnosis-example-1.json'))),
    );

    expect(draft).toEqual({ skip: 'no encounter (a diagnosis belongs to an encounter)' });
  });

  it('writes blood pressure as systolic over diastolic with the unit', () => {
    const value = observationValue(
      at({ component: [component('8462-4', 80), component('8480-6', 120)] }),
    );

    expect(value).toEqual({ text: '120/80 mmHg', unit: 'mmHg' });
  });

  it('writes a quantity with its unit, and a coded answer as its text', () => {
    expect(observationValue(at({ valueQuantity: quantity(36.5, 'Cel') }))).toEqual({
      text: '36.5 Cel',
      unit: 'Cel',
    });
    expect(
      observationValue(
        at({ valueCodeableConcept: { coding: [{ code: '266919005' }], text: 'Never smoker' } }),
      ),
    ).toEqual({ text: 'Never smoker', unit: null });
    expect(observationValue(at({ valueString: '陰性' }))).toEqual({ text: '陰性', unit: null });
  });

  it('names the JSON path of a malformed date-time', () => {
    const encounter = new At(
      {
        resourceType: 'Encounter',
        subject: { reference: 'Patient/1' },
        period: { start: 'yesterday' },
      },
      '$.entry[3].resource',
    );

    expect(() => mapEncounter(encounter)).toThrow(MappingError);
    expect(() => mapEncounter(encounter)).toThrow(
      expect.objectContaining({
        path: '$.entry[3].resource.period.start',
        message: 'not a date-time',
      }),
    );
  });

  it('marks a virtual encounter as video', () => {
    const draft = mapEncounter(
      at({
        subject: { reference: 'Patient/1' },
        class: { code: 'VR' },
        period: { start: '2024-04-01T09:00:00+09:00' },
      }),
    );

    expect(draft).toMatchObject({ type: 'video', startedAt: '2024-04-01T00:00:00.000Z' });
  });

  it('reads references by urn:uuid, relative id and Synthea conditional identifier', () => {
    expect(referenceKey('urn:uuid:abc', 'Patient', 'relative')).toEqual({
      type: 'Patient',
      source: 'urn:uuid',
      id: 'abc',
    });
    expect(referenceKey('Patient/123', 'Patient', 'relative')).toEqual({
      type: 'Patient',
      source: 'relative',
      id: '123',
    });
    expect(
      referenceKey(
        'Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999',
        'Practitioner',
        'relative',
      ),
    ).toEqual({
      type: 'Practitioner',
      source: 'identifier|http://hl7.org/fhir/sid/us-npi',
      id: '9999',
    });
    expect(referenceKey('Organization/1', 'Practitioner', 'relative')).toBeNull();
  });
});

describe('FHIR reader', () => {
  it('streams a bundle entry by entry with each entry’s JSON path', async () => {
    const paths: string[] = [];
    for await (const item of readResources(fixture('synthea', 'patient-01.json')))
      paths.push(item.path);

    expect(paths[0]).toBe('$.entry[0].resource');
    expect(paths).toHaveLength(70);
  });

  it('reports invalid JSON with the path where it broke', async () => {
    const file = path.join(scratchDir(), 'cut.json');
    fs.writeFileSync(
      file,
      '{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":"1"}},{"resource":{"id":tru',
    );

    const read = async () => {
      const items: unknown[] = [];
      for await (const item of readResources(file)) items.push(item);
      return items;
    };

    await expect(read()).rejects.toThrow(
      expect.objectContaining({ path: '$.entry[1].resource.id' }),
    );
  });
});
