import type { FastifyRequest } from 'fastify';
import type { TenantDb } from '../platform/db/database.js';
import type { Role } from '../platform/db/tables.js';
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
}

export interface Caller extends Principal {
  tenant: TenantDb;
  requestId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
}

/** The authenticated caller, or a 401. Tenant scoping lives here, not in handlers. */
export function callerOf(request: FastifyRequest): Caller {
  if (request.caller === null) throw new AppError('unauthenticated');
  return request.caller;
}
