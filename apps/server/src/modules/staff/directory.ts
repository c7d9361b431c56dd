import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { callerOf } from '../../http/context.js';
import { decodeCursor, encodeCursor, pageLimit } from '../../http/pagination.js';
import { requireRole } from '../../policy/access.js';
import { ListQuery } from '../patients/schemas.js';
import type { AccountService } from './service.js';

const DirectoryList = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      displayName: Type.String(),
      role: Type.Union([Type.Literal('doctor'), Type.Literal('nurse')]),
    }),
  ),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

/**
 * The staff directory: whom a patient can be put in the care of, for those who assign care
 * (front desk, admins, a doctor adding a colleague). Names and roles only: no email, no account
 * status, no MFA or lockout state, which stay with staff administration (GET /staff).
 */
export function staffDirectoryRoutes(accounts: AccountService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/staff/directory',
      {
        schema: {
          querystring: Type.Object({ ...ListQuery }, { additionalProperties: false }),
          response: { 200: DirectoryList },
        },
      },
      async (request) => {
        const caller = callerOf(request);
        await requireRole(caller.tenant.db, caller, 'staff.directory');
        const limit = pageLimit(request.query.limit);
        const after = decodeCursor(request.query.cursor, ['text', 'uuid']);

        const rows = await accounts.directory(caller.tenantId, limit + 1, after);
        const page = rows.slice(0, limit);
        const last = page[page.length - 1];
        return {
          items: page.map((row) => ({
            id: row.id,
            displayName: row.displayName,
            role: row.role === 'doctor' ? ('doctor' as const) : ('nurse' as const),
          })),
          nextCursor:
            rows.length > limit && last !== undefined
              ? encodeCursor([last.displayName, last.id])
              : null,
        };
      },
    );
  };
}
