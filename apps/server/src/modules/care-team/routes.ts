import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { callerOf } from '../../http/context.js';
import { IdParams, Uuid } from '../patients/schemas.js';
import type { AccountService } from '../staff/service.js';
import { assignCareTeam, endCareTeam, listCareTeam } from './service.js';

export function careTeamRoutes(accounts: AccountService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/patients/:id/care-team',
      {
        schema: {
          params: IdParams,
          response: {
            200: Type.Object({
              items: Type.Array(
                Type.Object({
                  staffId: Type.String(),
                  displayName: Type.String(),
                  role: Type.String(),
                  since: Type.String(),
                  // Why they are in care: an assignment, or a recent encounter of theirs.
                  via: Type.Union([Type.Literal('assignment'), Type.Literal('encounter')]),
                }),
              ),
            }),
          },
        },
      },
      async (request) => listCareTeam(callerOf(request), accounts, request.params.id),
    );

    app.post(
      '/patients/:id/care-team',
      {
        schema: {
          params: IdParams,
          body: Type.Object({ staffId: Uuid }, { additionalProperties: false }),
        },
      },
      async (request, reply) => {
        await assignCareTeam(callerOf(request), accounts, request.params.id, request.body.staffId);
        return reply.code(201).send({ staffId: request.body.staffId });
      },
    );

    app.delete(
      '/patients/:id/care-team/:staffId',
      {
        schema: {
          params: Type.Object({ id: Uuid, staffId: Uuid }, { additionalProperties: false }),
        },
      },
      async (request, reply) => {
        await endCareTeam(callerOf(request), request.params.id, request.params.staffId);
        return reply.code(204).send();
      },
    );
  };
}
