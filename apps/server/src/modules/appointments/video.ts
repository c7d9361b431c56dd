import type { TurnConfig } from '../../config/turn-config.js';
import type { Caller } from '../../http/context.js';
import { AppError } from '../../http/errors.js';
import type { SigningKeys } from '../../platform/keys/signing-keys.js';
import { requirePatientAccess, requireRole } from '../../policy/access.js';
import { recordAudit } from '../audit/service.js';
import { iceServersFor, issueRoomToken } from './room-token.js';
import type { VideoToken } from './schemas.js';

export interface VideoDeps {
  keys: SigningKeys;
  turn: TurnConfig;
}

/** SPEC §9: the room opens 15 minutes before the start and closes 60 minutes after the end. */
export const JOIN_EARLY_MS = 15 * 60_000;
export const JOIN_LATE_MS = 60 * 60_000;

/**
 * A short-lived ticket into one consultation, for its doctor and its patient only. Any other
 * doctor or patient meets the same 404 as a missing appointment (a break-the-glass grant reads,
 * never joins); other roles never join (403).
 */
export async function videoToken(
  caller: Caller,
  deps: VideoDeps,
  id: string,
  now = Date.now(),
): Promise<VideoToken> {
  await requireRole(caller.tenant.db, caller, 'appointment.join');
  const row = await caller.tenant.db
    .selectFrom('appointments')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (row === undefined) throw new AppError('not_found');
  await requirePatientAccess(caller.tenant.db, caller, 'appointment.join', row.patient_id);
  // In the patient's care is not enough: the room is the appointment's own doctor's.
  const role = caller.role === 'doctor' ? 'doctor' : 'patient';
  if (role === 'doctor' && row.doctor_id !== caller.userId) {
    await recordAudit(caller.tenant.db, {
      actorId: caller.userId,
      actorRole: caller.role,
      action: 'appointment.join',
      outcome: 'denied',
      patientId: row.patient_id,
      resourceType: 'Appointment',
      resourceId: id,
      requestId: caller.requestId,
    });
    throw new AppError('not_found');
  }

  if (row.status === 'cancelled') throw new AppError('appointment_cancelled');
  if (row.type !== 'video') throw new AppError('not_a_video_appointment');
  const opens = row.starts_at.getTime() - JOIN_EARLY_MS;
  const closes = row.ends_at.getTime() + JOIN_LATE_MS;
  if (now < opens || now > closes) throw new AppError('outside_join_window');

  const room = await issueRoomToken(
    deps.keys,
    { userId: caller.userId, tenantId: caller.tenantId, role, room: id },
    now,
  );
  await recordAudit(caller.tenant.db, {
    actorId: caller.userId,
    actorRole: caller.role,
    action: 'consultation.token',
    patientId: row.patient_id,
    resourceType: 'Appointment',
    resourceId: id,
    requestId: caller.requestId,
    details: { jti: room.jti, expiresAt: room.expiresAt.toISOString() },
  });
  return {
    roomToken: room.token,
    expiresAt: room.expiresAt.toISOString(),
    iceServers: iceServersFor(deps.turn, caller.userId, now),
  };
}
