// The break-the-glass grants this tab opened, kept in memory like the rest of the session. The
// API has no way to ask whether a chart is open through a grant, so a reload forgets it: the
// chart then shows as usual, and the server still refuses every write.
import { recall, remember } from './memory';

const key = (patientId: string) => `breakGlass:${patientId}`;

export function rememberGrant(patientId: string, expiresAt: string): void {
  remember(key(patientId), expiresAt);
}

/** When this tab's grant for the patient ends, or null when it opened none. */
export function grantExpiry(patientId: string): Date | null {
  const value = recall(key(patientId));
  if (value === '') return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The grant's end while it is still running; null once it has run out or when there is none. */
export function liveGrant(patientId: string, now: number = Date.now()): Date | null {
  const expiry = grantExpiry(patientId);
  return expiry !== null && expiry.getTime() > now ? expiry : null;
}
