import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { callerOf } from '../../http/context.js';
import type { AccountService } from '../staff/service.js';
import {
  Appointment,
  AppointmentChange,
  AppointmentInput,
  AppointmentList,
  AppointmentListQuery,
  AppointmentParams,
  VideoToken,
} from './schemas.js';
import { bookAppointment, changeAppointment, getAppointment, listAppointments } from './service.js';
import { videoToken, type VideoDeps } from './video.js';

export function appointmentRoutes(
  deps: VideoDeps & { accounts: AccountService },
): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/appointments',
      { schema: { querystring: AppointmentListQuery, response: { 200: AppointmentList } } },
      async (request) => listAppointments(callerOf(request), request.query),
    );

    app.post(
      '/appointments',
      { schema: { body: AppointmentInput, response: { 201: Appointment } } },
      async (request, reply) =>
        reply.code(201).send(await bookAppointment(callerOf(request), deps.accounts, request.body)),
    );

    app.get(
      '/appointments/:id',
      { schema: { params: AppointmentParams, response: { 200: Appointment } } },
      async (request) => getAppointment(callerOf(request), request.params.id),
    );

    app.patch(
      '/appointments/:id',
      {
        schema: {
          params: AppointmentParams,
          body: AppointmentChange,
          response: { 200: Appointment },
        },
      },
      async (request) => changeAppointment(callerOf(request), request.params.id, request.body),
    );

    app.get(
      '/appointments/:id/video-token',
      { schema: { params: AppointmentParams, response: { 200: VideoToken } } },
      async (request) => videoToken(callerOf(request), deps, request.params.id),
    );
  };
}
