// Clinical endpoints: doctors and nurses only; the server answers 403 to other roles.
import { requestJson, withQuery } from './client';
import type {
  AmendmentInput,
  Encounter,
  EncounterInput,
  Medication,
  Observation,
  Page,
} from './types';

const PAGE_SIZE = 20;

function patientSub(patientId: string, sub: string, cursor: string | null): string {
  const path = `/api/v1/patients/${encodeURIComponent(patientId)}/${sub}`;
  return withQuery(path, { limit: PAGE_SIZE, cursor });
}

export function listEncounters(
  patientId: string,
  cursor: string | null,
  signal?: AbortSignal,
): Promise<Page<Encounter>> {
  return requestJson(patientSub(patientId, 'encounters', cursor), { signal });
}

export function createEncounter(patientId: string, input: EncounterInput): Promise<Encounter> {
  const path = `/api/v1/patients/${encodeURIComponent(patientId)}/encounters`;
  return requestJson(path, { method: 'POST', body: input });
}

export function getEncounter(id: string, signal?: AbortSignal): Promise<Encounter> {
  return requestJson(`/api/v1/encounters/${encodeURIComponent(id)}`, { signal });
}

/** A new version; `baseVersion` that is not current answers 409 version_conflict. */
export function amendEncounter(id: string, input: AmendmentInput): Promise<Encounter> {
  const path = `/api/v1/encounters/${encodeURIComponent(id)}/amendments`;
  return requestJson(path, { method: 'POST', body: input });
}

export function listObservations(
  patientId: string,
  cursor: string | null,
  signal?: AbortSignal,
): Promise<Page<Observation>> {
  return requestJson(patientSub(patientId, 'observations', cursor), { signal });
}

export function listMedications(
  patientId: string,
  cursor: string | null,
  signal?: AbortSignal,
): Promise<Page<Medication>> {
  return requestJson(patientSub(patientId, 'medications', cursor), { signal });
}
