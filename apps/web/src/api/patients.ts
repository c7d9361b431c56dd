import { requestJson, withQuery } from './client';
import type { Page, Patient, PatientInput } from './types';

const PAGE_SIZE = 20;

function patientPath(id: string): string {
  return `/api/v1/patients/${encodeURIComponent(id)}`;
}

export function listPatients(
  kana: string,
  cursor: string | null,
  signal?: AbortSignal,
): Promise<Page<Patient>> {
  const path = withQuery('/api/v1/patients', { kana, limit: PAGE_SIZE, cursor });
  return requestJson(path, { signal });
}

export function getPatient(id: string, signal?: AbortSignal): Promise<Patient> {
  return requestJson(patientPath(id), { signal });
}

export function createPatient(input: PatientInput): Promise<Patient> {
  return requestJson('/api/v1/patients', { method: 'POST', body: input });
}

/** Optimistic concurrency: a stale `version` answers 409 version_conflict. */
export function updatePatient(id: string, version: number, input: PatientInput): Promise<Patient> {
  return requestJson(patientPath(id), {
    method: 'PUT',
    body: input,
    headers: { 'If-Match': `"${version}"` },
  });
}
