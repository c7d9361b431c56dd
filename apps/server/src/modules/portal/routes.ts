import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { callerOf } from '../../http/context.js';
import { AppError } from '../../http/errors.js';
import { requirePatientAccess } from '../../policy/access.js';
import { actorOf, recordAudit } from '../audit/service.js';
import { IdParams } from '../patients/schemas.js';
import type { AccountService } from '../staff/service.js';
import type { TenantService } from '../tenants/service.js';

/**
 * The patient portal account: linked by a clerk or admin to exactly one patient record, with a
 * temporary password the patient replaces at first login. The patient then sees that record only.
 */
export function portalRoutes(
  tenants: TenantService,
  accounts: AccountService,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/patients/:id/portal-account',
      {
        schema: {
          params: IdParams,
          body: Type.Object(
            {
              email: Type.String({ format: 'email', maxLength: 254 }),
              temporaryPassword: Type.String({ minLength: 12, maxLength: 128 }),
            },
            { additionalProperties: false },
          ),
          response: { 201: Type.Object({ accountId: Type.String(), email: Type.String() }) },
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        const patientId = request.params.id;
        await requirePatientAccess(caller.tenant.db, caller, 'portal.link', patientId);
        const tenant = await tenants.findById(caller.tenantId);
        if (tenant === null) throw new AppError('unauthenticated');
        if (await accounts.portalAccountOf(tenant.id, patientId)) {
          throw new AppError('portal_account_exists');
        }
        const patient = await caller.tenant.db
          .selectFrom('patients')
          .select(['family_name', 'given_name'])
          .where('id', '=', patientId)
          .executeTakeFirstOrThrow();
        const account = await accounts.create(tenant, {
          email: request.body.email,
          role: 'patient',
          patientId,
          mustChangePassword: true,
          passwordField: '/temporaryPassword',
          displayName: `${patient.family_name} ${patient.given_name}`,
          password: request.body.temporaryPassword,
        });
        await recordAudit(caller.tenant.db, {
          ...actorOf(caller),
          action: 'portal.link',
          patientId,
          resourceType: 'PortalAccount',
          resourceId: account.id,
        });
        return reply.code(201).send({ accountId: account.id, email: account.email });
      },
    );
  };
}
