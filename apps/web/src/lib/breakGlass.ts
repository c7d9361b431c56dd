// The caller's break-the-glass grants come from the server (GET /api/v1/break-glass/mine), so a
// reload keeps the banner and the read-only chart for as long as the grant runs.
import type { MyBreakGlassGrant } from '../api/types';

/** The end of the caller's running grant for the patient; null when there is none. */
export function liveGrant(
  grants: readonly MyBreakGlassGrant[] | null,
  patientId: string,
  now: number = Date.now(),
): Date | null {
  const ends = (grants ?? [])
    .filter((grant) => grant.patientId === patientId)
    .map((grant) => new Date(grant.expiresAt).getTime())
    .filter((end) => !Number.isNaN(end) && end > now);
  return ends.length === 0 ? null : new Date(Math.max(...ends));
}
