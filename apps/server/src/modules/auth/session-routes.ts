import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { callerOf } from '../../http/context.js';
import { AppError, invalid } from '../../http/errors.js';
import { actorOf, recordAudit } from '../audit/service.js';
import type { AccountService } from '../staff/service.js';
import { verifyPassword } from './passwords.js';
import type { SessionService } from './sessions.js';

const SessionList = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      device: Type.String(),
      createdAt: Type.String(),
      lastUsedAt: Type.String(),
      current: Type.Boolean(),
    }),
  ),
});

/** A user's own sessions and password. */
export function sessionRoutes(
  sessions: SessionService,
  accounts: AccountService,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/auth/sessions', { schema: { response: { 200: SessionList } } }, async (request) => {
      const caller = callerOf(request);
      return {
        items: await sessions.list(caller.tenantId, caller.userId, caller.role, caller.sessionId),
      };
    });

    app.delete(
      '/auth/sessions/:id',
      {
        schema: {
          params: Type.Object(
            { id: Type.String({ format: 'uuid' }) },
            { additionalProperties: false },
          ),
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        await sessions.revokeOwn(
          caller.tenantId,
          caller.userId,
          request.params.id,
          'revoked_by_user',
        );
        await recordAudit(caller.tenant.db, {
          ...actorOf(caller),
          action: 'auth.session_revoke',
          details: { sessionId: request.params.id },
        });
        return reply.code(204).send();
      },
    );

    app.post('/auth/sessions/revoke-all', async (request, reply) => {
      const caller = callerOf(request);
      const count = await sessions.revokeAll(caller.tenantId, caller.userId, 'revoked_by_user');
      await recordAudit(caller.tenant.db, {
        ...actorOf(caller),
        action: 'auth.session_revoke_all',
        details: { count },
      });
      return reply.code(204).send();
    });

    app.post(
      '/auth/password',
      {
        schema: {
          body: Type.Object(
            {
              currentPassword: Type.String({ minLength: 1, maxLength: 256 }),
              newPassword: Type.String({ minLength: 1, maxLength: 256 }),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        const hash = await accounts.passwordHash(caller.tenantId, caller.userId);
        if (hash === null) throw new AppError('unauthenticated');
        if (!(await verifyPassword(request.body.currentPassword, hash))) {
          throw invalid('/currentPassword', 'is not your current password');
        }
        if (request.body.newPassword === request.body.currentPassword) {
          throw invalid('/newPassword', 'must differ from the current password');
        }
        await accounts.setPassword(caller.tenantId, caller.userId, request.body.newPassword);
        // Whoever else knew the old password loses every session but this one.
        const count = await sessions.revokeAll(
          caller.tenantId,
          caller.userId,
          'password_changed',
          caller.sessionId,
        );
        await recordAudit(caller.tenant.db, {
          ...actorOf(caller),
          action: 'auth.password_change',
          details: { revokedSessions: count },
        });
        return reply.code(204).send();
      },
    );
  };
}
