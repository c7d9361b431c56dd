import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf } from '../../http/context.js';
import { IdParams } from '../patients/schemas.js';
import {
  AmendmentInput,
  Encounter,
  EncounterInput,
  EncounterList,
  EncounterListQuery,
} from './schemas.js';
import type { EncounterService } from './service.js';

export function encounterRoutes(encounters: EncounterService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/patients/:id/encounters',
      {
        schema: {
          params: IdParams,
          querystring: EncounterListQuery,
          response: { 200: EncounterList },
        },
      },
      async (request) => encounters.list(callerOf(request), request.params.id, request.query),
    );

    app.post(
      '/patients/:id/encounters',
      {
        schema: { params: IdParams, body: EncounterInput, response: { 201: Encounter } },
      },
      async (request, reply) => {
        const encounter = await encounters.create(
          callerOf(request),
          request.params.id,
          request.body,
        );
        return reply.code(201).send(encounter);
      },
    );

    app.get(
      '/encounters/:id',
      {
        schema: { params: IdParams, response: { 200: Encounter } },
      },
      async (request) => encounters.get(callerOf(request), request.params.id),
    );

    app.post(
      '/encounters/:id/amendments',
      {
        schema: { params: IdParams, body: AmendmentInput, response: { 201: Encounter } },
      },
      async (request, reply) => {
        const encounter = await encounters.amend(
          callerOf(request),
          request.params.id,
          request.body,
        );
        return reply.code(201).send(encounter);
      },
    );
  };
}
