// The audit trail for administrators: a filtered, newest-first listing and a check of its
// hash chain. Reading the trail is itself an administrator-only action (403 for others).
import { requestJson, withQuery } from './client';
import type { AuditEvent, AuditQuery, AuditVerification, Page } from './types';

export function listAudit(
  query: AuditQuery,
  cursor: string | null,
  signal?: AbortSignal,
): Promise<Page<AuditEvent>> {
  return requestJson(withQuery('/api/v1/audit', { ...query, cursor }), { signal });
}

/** Walks the whole chain on the server; may take a moment on a large trail. */
export function verifyAudit(signal?: AbortSignal): Promise<AuditVerification> {
  return requestJson('/api/v1/audit/verify', { signal });
}
