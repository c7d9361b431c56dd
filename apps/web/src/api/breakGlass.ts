// Break-the-glass: a doctor or nurse reads a chart outside their care team for sixty minutes,
// giving a reason; an administrator reviews every grant. The server audits both.
import { requestJson, requestNoContent, withQuery } from './client';
import type { BreakGlassGrant, BreakGlassRecord, MyBreakGlassGrant, Page } from './types';

/** 404 when the patient does not exist: the grant needs a real record of this clinic. */
export function openBreakGlass(patientId: string, reason: string): Promise<BreakGlassGrant> {
  const path = `/api/v1/patients/${encodeURIComponent(patientId)}/break-glass`;
  return requestJson(path, { method: 'POST', body: { reason } });
}

/** The caller's grants that are still running (doctor, nurse). */
export async function listMyGrants(signal?: AbortSignal): Promise<MyBreakGlassGrant[]> {
  const page = await requestJson<{ items: MyBreakGlassGrant[] }>('/api/v1/break-glass/mine', {
    signal,
  });
  return page.items;
}

/** Newest first, one page at a time. */
export function listBreakGlass(
  unreviewedOnly: boolean,
  cursor: string | null,
  signal?: AbortSignal,
): Promise<Page<BreakGlassRecord>> {
  const path = withQuery('/api/v1/break-glass', {
    unreviewed: unreviewedOnly ? 'true' : 'false',
    cursor,
  });
  return requestJson(path, { signal });
}

/** 404 when the grant is unknown or someone has reviewed it already. */
export function reviewBreakGlass(id: string): Promise<void> {
  const path = `/api/v1/break-glass/${encodeURIComponent(id)}/review`;
  return requestNoContent(path, { method: 'POST' });
}
