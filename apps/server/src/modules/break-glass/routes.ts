import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { callerOf } from '../../http/context.js';
import { IdParams, ListQuery } from '../patients/schemas.js';
import type { BreakGlassService } from './service.js';

const Grant = Type.Object({
  id: Type.String(),
  patientId: Type.String(),
  staffId: Type.String(),
  staffName: Type.String(),
  reason: Type.String(),
  startedAt: Type.String(),
  expiresAt: Type.String(),
  reviewedAt: Type.Union([Type.String(), Type.Null()]),
});

export function breakGlassRoutes(breakGlass: BreakGlassService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/patients/:id/break-glass',
      {
        schema: {
          params: IdParams,
          // A reason someone else can judge: a phrase, not a keystroke.
          body: Type.Object(
            { reason: Type.String({ minLength: 20, maxLength: 1000 }) },
            { additionalProperties: false },
          ),
          response: { 201: Type.Object({ id: Type.String(), expiresAt: Type.String() }) },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(await breakGlass.open(callerOf(request), request.params.id, request.body.reason)),
    );

    app.get(
      '/break-glass/mine',
      {
        schema: {
          response: {
            200: Type.Object({
              items: Type.Array(
                Type.Object({
                  id: Type.String(),
                  patientId: Type.String(),
                  expiresAt: Type.String(),
                }),
              ),
            }),
          },
        },
      },
      async (request) => ({ items: await breakGlass.mine(callerOf(request)) }),
    );

    app.get(
      '/break-glass',
      {
        schema: {
          querystring: Type.Object(
            {
              unreviewed: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
              ...ListQuery,
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              items: Type.Array(Grant),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
          },
        },
      },
      async (request) =>
        breakGlass.list(callerOf(request), request.query.unreviewed === 'true', request.query),
    );

    app.post(
      '/break-glass/:id/review',
      { schema: { params: IdParams } },
      async (request, reply) => {
        await breakGlass.review(callerOf(request), request.params.id);
        return reply.code(204).send();
      },
    );
  };
}
