import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { callerOf } from '../../http/context.js';
import { AppError, invalid } from '../../http/errors.js';
import { IdParams, Patient, PatientInput, PatientList, PatientListQuery } from './schemas.js';
import { createPatient, getPatient, listPatients, updatePatient } from './service.js';

export const patientRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/patients',
    {
      schema: { querystring: PatientListQuery, response: { 200: PatientList } },
    },
    async (request) => listPatients(callerOf(request), request.query),
  );

  app.post(
    '/patients',
    {
      schema: { body: PatientInput, response: { 201: Patient } },
    },
    async (request, reply) => {
      const patient = await createPatient(callerOf(request), request.body);
      return reply.code(201).header('etag', `"${patient.version}"`).send(patient);
    },
  );

  app.get(
    '/patients/:id',
    {
      schema: { params: IdParams, response: { 200: Patient } },
    },
    async (request, reply) => {
      const patient = await getPatient(callerOf(request), request.params.id);
      return reply.header('etag', `"${patient.version}"`).send(patient);
    },
  );

  app.put(
    '/patients/:id',
    {
      schema: {
        params: IdParams,
        headers: Type.Object({ 'if-match': Type.Optional(Type.String({ maxLength: 40 })) }),
        body: PatientInput,
        response: { 200: Patient },
      },
    },
    async (request, reply) => {
      const version = expectedVersion(request.headers['if-match'], request.body.version);
      const patient = await updatePatient(
        callerOf(request),
        request.params.id,
        request.body,
        version,
      );
      return reply.header('etag', `"${patient.version}"`).send(patient);
    },
  );
};

/** The version a write is based on: from If-Match (an ETag we issued) or the body. */
function expectedVersion(ifMatch: string | undefined, bodyVersion: number | undefined): number {
  if (ifMatch !== undefined) {
    const match = /^(?:W\/)?"(\d{1,9})"$/.exec(ifMatch.trim());
    if (match?.[1] === undefined)
      throw invalid('/headers/if-match', 'must be an ETag this API issued');
    const version = Number(match[1]);
    if (bodyVersion !== undefined && bodyVersion !== version) {
      throw invalid('/version', 'disagrees with If-Match');
    }
    return version;
  }
  if (bodyVersion !== undefined) return bodyVersion;
  throw new AppError('precondition_required');
}
