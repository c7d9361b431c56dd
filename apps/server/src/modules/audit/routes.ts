import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf } from '../../http/context.js';
import type { FieldCipher } from '../../platform/keys/field-cipher.js';
import { requireRole } from '../../policy/access.js';
import type { TenantService } from '../tenants/service.js';
import type { AuditChainer } from './chainer.js';
import { listAuditEvents } from './query.js';
import { AuditPage, AuditQuery, VerifyAnswer } from './schemas.js';
import { actorOf, recordAudit } from './service.js';
import { AppError } from '../../http/errors.js';

interface Deps {
  tenants: TenantService;
  cipher: FieldCipher;
  chainer: AuditChainer;
}

/** The clinic's audit log and its verification, for the clinic's admins (SPEC §1, §8). */
export function auditRoutes({ tenants, cipher, chainer }: Deps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/audit',
      { schema: { querystring: AuditQuery, response: { 200: AuditPage } } },
      async (request, reply) => {
        const caller = callerOf(request);
        await requireRole(caller.tenant.db, caller, 'audit.read');

        const page = await listAuditEvents(caller.tenant, cipher, request.query);

        // Reading the audit log is itself audited: who looked, at what (filters are ids only).
        await recordAudit(caller.tenant.db, {
          ...actorOf(caller),
          action: 'audit.read',
          patientId: request.query.patientId ?? null,
          details: { count: page.items.length },
        });
        return reply.header('cache-control', 'no-store').send(page);
      },
    );

    app.get(
      '/audit/verify',
      { schema: { response: { 200: VerifyAnswer } } },
      async (request, reply) => {
        const caller = callerOf(request);
        await requireRole(caller.tenant.db, caller, 'audit.read');
        const tenant = await tenants.findById(caller.tenantId);
        if (tenant === null) throw new AppError('not_found');

        const report = await chainer.verify(tenant);

        await recordAudit(caller.tenant.db, {
          ...actorOf(caller),
          action: 'audit.verify',
          outcome: report.status === 'intact' ? 'success' : 'failure',
          details: { checkedEvents: report.checkedEvents, status: report.status },
        });
        return reply.header('cache-control', 'no-store').send(report);
      },
    );
  };
}
