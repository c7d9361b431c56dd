import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { callerOf, type Caller } from '../../http/context.js';
import { AppError } from '../../http/errors.js';
import { requireRole } from '../../policy/access.js';
import { actorOf, recordAudit } from '../audit/service.js';
import { accountKey, type LoginGuard } from '../auth/login-guard.js';
import type { MfaService } from '../auth/mfa-service.js';
import type { SessionService } from '../auth/sessions.js';
import type { TenantService } from '../tenants/service.js';
import type { Account, AccountService } from './service.js';

const StaffRole = Type.Union([
  Type.Literal('admin'),
  Type.Literal('doctor'),
  Type.Literal('nurse'),
  Type.Literal('clerk'),
]);
const StaffMember = Type.Object({
  id: Type.String(),
  email: Type.String(),
  displayName: Type.String(),
  role: Type.String(),
  status: Type.String(),
  mfaEnrolled: Type.Boolean(),
  locked: Type.Boolean(),
});
const IdParams = Type.Object(
  { id: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);

const view = (account: Account, locked: boolean) => ({
  id: account.id,
  email: account.email,
  displayName: account.displayName,
  role: account.role,
  status: account.status,
  mfaEnrolled: account.mfaEnrolled,
  locked,
});

interface Deps {
  tenants: TenantService;
  accounts: AccountService;
  sessions: SessionService;
  mfa: MfaService;
  guard: LoginGuard;
}

/**
 * Staff administration: accounts, roles, deactivation, sessions, MFA reset, unlock. Admins only;
 * every act audited with what changed.
 */
export function staffRoutes({
  tenants,
  accounts,
  sessions,
  mfa,
  guard,
}: Deps): FastifyPluginAsyncTypebox {
  const target = async (caller: Caller, id: string): Promise<Account> => {
    await requireRole(caller.tenant.db, caller, 'staff.manage');
    const account = await accounts.findById(caller.tenantId, id);
    if (account === null || account.role === 'patient') throw new AppError('not_found');
    return account;
  };
  const audit = (
    caller: Caller,
    action: string,
    account: Account,
    details: Record<string, unknown> = {},
  ) =>
    recordAudit(caller.tenant.db, {
      ...actorOf(caller),
      action,
      resourceType: 'Staff',
      resourceId: account.id,
      details,
    });

  return async (app) => {
    app.get(
      '/staff',
      { schema: { response: { 200: Type.Object({ items: Type.Array(StaffMember) }) } } },
      async (request) => {
        const caller = callerOf(request);
        await requireRole(caller.tenant.db, caller, 'staff.manage');
        const staff = await accounts.list(caller.tenantId);
        const code = caller.tenantCode;
        return {
          items: await Promise.all(
            staff.map(async (account) =>
              view(account, await guard.isLocked(accountKey(code, account.email))),
            ),
          ),
        };
      },
    );

    app.post(
      '/staff',
      {
        schema: {
          body: Type.Object(
            {
              email: Type.String({ format: 'email', maxLength: 254 }),
              displayName: Type.String({ minLength: 1, maxLength: 100 }),
              role: StaffRole,
              temporaryPassword: Type.String({ minLength: 12, maxLength: 128 }),
            },
            { additionalProperties: false },
          ),
          response: { 201: StaffMember },
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        await requireRole(caller.tenant.db, caller, 'staff.manage');
        const tenant = await tenants.findById(caller.tenantId);
        if (tenant === null) throw new AppError('unauthenticated');
        const { temporaryPassword, ...rest } = request.body;
        // The admin hands the temporary password over; the new member must replace it at first login.
        const account = await accounts.create(tenant, {
          ...rest,
          password: temporaryPassword,
          mustChangePassword: true,
          passwordField: '/temporaryPassword',
        });
        await audit(caller, 'staff.create', account, {
          after: { role: account.role, status: account.status },
        });
        return reply.code(201).send(view(account, false));
      },
    );

    app.patch(
      '/staff/:id',
      {
        schema: {
          params: IdParams,
          body: Type.Object(
            {
              role: Type.Optional(StaffRole),
              status: Type.Optional(
                Type.Union([Type.Literal('active'), Type.Literal('deactivated')]),
              ),
            },
            { additionalProperties: false, minProperties: 1 },
          ),
          response: { 200: StaffMember },
        },
      },
      async (request) => {
        const caller = callerOf(request);
        const before = await target(caller, request.params.id);
        const after = await accounts.update(caller.tenantId, before, request.body, caller.userId);
        // A token carries its role: after a change of role or status, none of the old ones may act.
        if (after.role !== before.role || after.status !== before.status) {
          await sessions.revokeAll(
            caller.tenantId,
            after.id,
            after.status === 'deactivated' ? 'deactivated' : 'role_changed',
          );
        }
        await audit(caller, 'staff.update', after, {
          before: { role: before.role, status: before.status },
          after: { role: after.role, status: after.status },
        });
        return view(after, await guard.isLocked(accountKey(caller.tenantCode, after.email)));
      },
    );

    app.post(
      '/staff/:id/sessions/revoke-all',
      { schema: { params: IdParams } },
      async (request, reply) => {
        const caller = callerOf(request);
        const account = await target(caller, request.params.id);
        const count = await sessions.revokeAll(caller.tenantId, account.id, 'revoked_by_admin');
        await audit(caller, 'staff.sessions_revoke', account, { count });
        return reply.code(204).send();
      },
    );

    app.post('/staff/:id/mfa/reset', { schema: { params: IdParams } }, async (request, reply) => {
      const caller = callerOf(request);
      const account = await target(caller, request.params.id);
      await mfa.reset(account.id);
      await sessions.revokeAll(caller.tenantId, account.id, 'mfa_reset');
      await audit(caller, 'staff.mfa_reset', account);
      return reply.code(204).send();
    });

    app.post('/staff/:id/unlock', { schema: { params: IdParams } }, async (request, reply) => {
      const caller = callerOf(request);
      const account = await target(caller, request.params.id);
      await guard.unlock(accountKey(caller.tenantCode, account.email));
      await audit(caller, 'staff.unlock', account);
      return reply.code(204).send();
    });
  };
}
