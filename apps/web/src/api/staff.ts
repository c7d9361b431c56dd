// Staff administration (admins only; every action is recorded as an audit event by the server).
import { requestJson, requestNoContent } from './client';
import type { NewStaffMember, StaffChange, StaffMember } from './types';

function staffPath(id: string, action: string): string {
  return `/api/v1/staff/${encodeURIComponent(id)}/${action}`;
}

export async function listStaff(signal?: AbortSignal): Promise<StaffMember[]> {
  const page = await requestJson<{ items: StaffMember[] }>('/api/v1/staff', { signal });
  return page.items;
}

/** A new account with a temporary password, which the member must replace at first login. */
export function createStaff(input: NewStaffMember): Promise<StaffMember> {
  return requestJson('/api/v1/staff', { method: 'POST', body: input });
}

/**
 * A new role or status; every session of the member ends. Changing oneself answers 403
 * `forbidden`, leaving the clinic without an active admin 409 `last_admin`.
 */
export function updateStaff(id: string, change: StaffChange): Promise<StaffMember> {
  return requestJson(`/api/v1/staff/${encodeURIComponent(id)}`, { method: 'PATCH', body: change });
}

/** The member enrolls again at the next login; their sessions end. */
export function resetStaffMfa(id: string): Promise<void> {
  return requestNoContent(staffPath(id, 'mfa/reset'), { method: 'POST' });
}

/** Ends a lockout after repeated failed logins. */
export function unlockStaff(id: string): Promise<void> {
  return requestNoContent(staffPath(id, 'unlock'), { method: 'POST' });
}

export function revokeStaffSessions(id: string): Promise<void> {
  return requestNoContent(staffPath(id, 'sessions/revoke-all'), { method: 'POST' });
}
