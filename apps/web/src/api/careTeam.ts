// The care team: the doctors and nurses who may see a patient's clinical record.
import { requestJson, requestNoContent } from './client';
import type { CareTeamMember } from './types';

function careTeamPath(patientId: string): string {
  return `/api/v1/patients/${encodeURIComponent(patientId)}/care-team`;
}

export async function listCareTeam(
  patientId: string,
  signal?: AbortSignal,
): Promise<CareTeamMember[]> {
  const page = await requestJson<{ items: CareTeamMember[] }>(careTeamPath(patientId), { signal });
  return page.items;
}

/** 409 `already_exists` when the member is on the team already. */
export function addToCareTeam(patientId: string, staffId: string): Promise<void> {
  return requestNoContent(careTeamPath(patientId), { method: 'POST', body: { staffId } });
}

export function removeFromCareTeam(patientId: string, staffId: string): Promise<void> {
  const path = `${careTeamPath(patientId)}/${encodeURIComponent(staffId)}`;
  return requestNoContent(path, { method: 'DELETE' });
}
