// Staff administration (admins only; every action is recorded as an audit event by the server).
import { requestJson, requestNoContent, withQuery } from './client';
import type { DirectoryMember, NewStaffMember, StaffChange, StaffMember } from './types';

function staffPath(id: string, action: string): string {
  return `/api/v1/staff/${encodeURIComponent(id)}/${action}`;
}

export async function listStaff(signal?: AbortSignal): Promise<StaffMember[]> {
  const page = await requestJson<{ items: StaffMember[] }>('/api/v1/staff', { signal });
  return page.items;
}

/**
 * Every active doctor and nurse (GET /staff/directory: names and roles only), for choosing a
 * care-team member. A clinic's clinicians fit in a few pages; all of them are fetched.
 */
export async function listDirectory(signal?: AbortSignal): Promise<DirectoryMember[]> {
  const members: DirectoryMember[] = [];
  let cursor: string | null = null;
  do {
    const path = withQuery('/api/v1/staff/directory', { limit: 100, cursor });
    const page: { items: DirectoryMember[]; nextCursor: string | null } = await requestJson(path, {
      signal,
    });
    members.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return members;
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
