import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { FhirImporter, type ImportRequest } from '../../src/modules/fhir/importer.js';
import type { ImportReport } from '../../src/modules/fhir/summary.js';
import type { Tenant } from '../../src/modules/tenants/service.js';
import { bearer, type TestApp } from '../support/harness.js';

// The FHIR samples the tests read are copied into the repository (see ../fixtures/fhir/SOURCES.md),
// so the tests need nothing outside the repository.
const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/fhir');

/** A file of the FHIR fixtures; a missing file fails the test and says where it looked. */
export function fixture(...segments: string[]): string {
  const file = path.join(FIXTURES, ...segments);
  if (!fs.existsSync(file)) throw new Error(`missing FHIR fixture ${file}`);
  return file;
}

/** The JP Core examples, all ten of them: single resources that point at each other. */
const JP_CORE = [
  'AllergyIntolerance-jp-allergyintolerance-example-1.json',
  'Condition-jp-condition-diagnosis-example-1.json',
  'Coverage-jp-coverage-example-1.json',
  'Encounter-jp-encounter-example-1.json',
  'MedicationRequest-jp-medicationrequest-example-1.json',
  'Observation-jp-observation-vitalsigns-example-1.json',
  'Organization-jp-organization-example-clinic.json',
  'Organization-jp-organization-example-hospital.json',
  'Patient-jp-patient-example-1.json',
  'Practitioner-jp-practitioner-example-female-1.json',
];

export function jpCoreFiles(): string[] {
  return JP_CORE.map((name) => fixture('jpcore', name));
}

export function runImport(
  t: TestApp,
  tenant: Tenant,
  assignTo: string,
  files: string[],
  extra: Partial<ImportRequest> = {},
): Promise<ImportReport> {
  const importer = new FhirImporter(t.services.tenants, t.services.accounts);
  return importer.run({ tenantCode: tenant.code, assignTo, files, ...extra });
}

/** A temporary folder for hand-written files, removed when the test ends. */
export function scratchDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediconnect-fhir-'));
  onTestFinished(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

export function writeJson(dir: string, name: string, value: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(value, null, 1));
  return file;
}

const COUNTED = [
  'patients',
  'care_team',
  'practitioners',
  'organizations',
  'encounters',
  'encounter_versions',
  'diagnoses',
  'observations',
  'medications',
  'external_refs',
] as const;

/** Row counts of the tenant's clinical tables. */
export async function rowCounts(t: TestApp, tenant: Tenant): Promise<Record<string, number>> {
  const db = t.services.tenants.handle(tenant).db;
  const counts: Record<string, number> = {};
  for (const table of COUNTED) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

/** A minimal transaction bundle of Synthea's shape (urn:uuid fullUrls). */
export function bundle(...resources: Record<string, unknown>[]): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((resource) => ({
      fullUrl: `urn:uuid:${String(resource.id)}`,
      resource,
      request: { method: 'POST', url: resource.resourceType },
    })),
  };
}

/** The shapes of the API answers the import tests read. */
export interface Page<T> {
  items: T[];
}

export interface PatientItem {
  id: string;
  familyName: string;
  familyNameKana: string | null;
}

export interface EncounterItem {
  id: string;
  clinicianName: string;
  diagnoses: { code: string; name: string }[];
}

export interface VersionItem {
  note: { subjective: string };
  diagnoses: { code: string }[];
  authorName: string;
  reason: string | null;
}

export function apiGet(t: TestApp, staff: { token: string }, url: string) {
  return t.app.inject({ method: 'GET', url, headers: bearer(staff) });
}
