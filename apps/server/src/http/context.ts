import type { FastifyRequest } from 'fastify';
import type { Role } from '../platform/db/tables.js';
import type { AuditEvent } from '../modules/audit/service.js';
import type { TenantHandle } from '../platform/keys/tenant-fields.js';
import { AppError } from './errors.js';

/** The verified caller of a request: everything comes from the access token, nothing from input. */
export interface Principal {
  userId: string;
  role: Role;
  tenantId: string;
  tenantCode: string;
  sessionId: string;
  tokenId: string;
  tokenExpiresAt: number;
  /** For role `patient`: their own patient record. */
  patientId: string | null;
  /** How the session was authenticated (RFC 8176) and when, from the access token. */
  amr: string[];
  authTime: number;
}

export interface Caller extends Principal {
  tenant: TenantHandle;
  requestId: string;
  /** The client's address (X-Forwarded-For only from trusted proxies): recorded in audit events. */
  clientIp: string;
  /**
   * Records the audit event of a read (no data changed), grouped with other requests' events
   * (modules/audit/batcher.ts); resolves once it is stored, so the answer waits for it.
   */
  auditRead(event: AuditEvent): Promise<void>;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
}

/** SPEC §3: issuing a prescription needs MFA within the last 15 minutes. */
export const STEP_UP_SECONDS = 15 * 60;

/** Refuses unless the caller proved a second factor recently (step-up). */
export function requireRecentMfa(caller: Principal, now = Date.now()): void {
  const mfa = caller.amr.includes('otp') || caller.amr.includes('rec');
  if (!mfa || Math.floor(now / 1000) - caller.authTime > STEP_UP_SECONDS)
    throw new AppError('step_up_required');
}

/** The authenticated caller, or a 401. Tenant scoping lives here, not in handlers. */
export function callerOf(request: FastifyRequest): Caller {
  if (request.caller === null) throw new AppError('unauthenticated');
  return request.caller;
}
