import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf } from '../../http/context.js';
import { DownloadUrl, FileIdParams, FileListQuery } from '../files/schemas.js';
import { IdParams } from '../patients/schemas.js';
import { CancelInput, Prescription, PrescriptionInput, PrescriptionList } from './schemas.js';
import {
  cancelPrescription,
  getPrescription,
  issuePrescription,
  listPrescriptions,
  prescriptionPdfUrl,
  type PrescriptionDeps,
} from './service.js';

export function prescriptionRoutes(deps: PrescriptionDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/prescriptions',
      { schema: { body: PrescriptionInput, response: { 201: Prescription } } },
      async (request, reply) =>
        reply.code(201).send(await issuePrescription(callerOf(request), deps, request.body)),
    );

    app.get(
      '/patients/:id/prescriptions',
      {
        schema: {
          params: IdParams,
          querystring: FileListQuery,
          response: { 200: PrescriptionList },
        },
      },
      async (request) => listPrescriptions(callerOf(request), request.params.id, request.query),
    );

    app.get(
      '/prescriptions/:id',
      { schema: { params: FileIdParams, response: { 200: Prescription } } },
      async (request) => getPrescription(callerOf(request), request.params.id),
    );

    app.post(
      '/prescriptions/:id/cancel',
      { schema: { params: FileIdParams, body: CancelInput, response: { 200: Prescription } } },
      async (request) =>
        cancelPrescription(callerOf(request), request.params.id, request.body.reason),
    );

    app.get(
      '/prescriptions/:id/pdf-url',
      { schema: { params: FileIdParams, response: { 200: DownloadUrl } } },
      async (request) => prescriptionPdfUrl(callerOf(request), deps.objects, request.params.id),
    );
  };
}
