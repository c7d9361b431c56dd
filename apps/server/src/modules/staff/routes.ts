import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { callerOf, type Caller } from '../../http/context.js';
import { AppError } from '../../http/errors.js';
import { requireRole } from '../../policy/access.js';
import { recordAudit } from '../audit/service.js';
import { accountKey, type LoginGuard } from '../auth/login-guard.js';
import type { MfaService } from '../auth/mfa-service.js';
import type { SessionService } from '../auth/sessions.js';
import type { Account, AccountService } from './service.js';

const StaffList = Type.Object({
  items: Type.Array(Type.Object({ id: Type.String(), email: Type.String(), displayName: Type.String(),
    role: Type.String(), status: Type.String(), mfaEnrolled: Type.Boolean(), locked: Type.Boolean() })),
});
const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

interface Deps {
  accounts: AccountService;
  sessions: SessionService;
  mfa: MfaService;
  guard: LoginGuard;
}

/** Administration of staff identity: sessions, MFA reset, unlock. Admins only, every act audited. */
export function staffRoutes({ accounts, sessions, mfa, guard }: Deps): FastifyPluginAsyncTypebox {
  const target = async (caller: Caller, id: string): Promise<Account> => {
    await requireRole(caller.tenant.db, caller, 'staff.manage');
    const account = await accounts.findById(caller.tenantId, id);
    if (account === null || account.role === 'patient') throw new AppError('not_found');
    return account;
  };
  const audit = (caller: Caller, action: string, account: Account, details: Record<string, unknown> = {}) =>
    recordAudit(caller.tenant.db, { actorId: caller.userId, actorRole: caller.role, action,
      resourceType: 'Staff', resourceId: account.id, requestId: caller.requestId, details });

  return async (app) => {
    app.get('/staff', { schema: { response: { 200: StaffList } } }, async (request) => {
      const caller = callerOf(request);
      await requireRole(caller.tenant.db, caller, 'staff.manage');
      const staff = await accounts.list(caller.tenantId);
      const code = caller.tenantCode;
      return {
        items: await Promise.all(staff.map(async (account) => ({
          id: account.id, email: account.email, displayName: account.displayName, role: account.role,
          status: account.status, mfaEnrolled: account.mfaEnrolled,
          locked: await guard.isLocked(accountKey(code, account.email)),
        }))),
      };
    });

    app.post('/staff/:id/sessions/revoke-all', { schema: { params: IdParams } }, async (request, reply) => {
      const caller = callerOf(request);
      const account = await target(caller, request.params.id);
      const count = await sessions.revokeAll(caller.tenantId, account.id, 'revoked_by_admin');
      await audit(caller, 'staff.sessions_revoke', account, { count });
      return reply.code(204).send();
    });

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
