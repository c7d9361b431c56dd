import type { TurnConfig } from '../../config/turn-config.js';
import type { Caller } from '../../http/context.js';
import { AppError } from '../../http/errors.js';
import type { SigningKeys } from '../../platform/keys/signing-keys.js';
import { requirePatientAccess, requireRole } from '../../policy/access.js';
import { actorOf, recordAudit } from '../audit/service.js';
import { consultationAppointment, joinRefusal } from './consultation.js';
import { iceServersFor, issueRoomToken } from './room-token.js';
import type { VideoToken } from './schemas.js';

export interface VideoDeps {
  keys: SigningKeys;
  turn: TurnConfig;
}

// The join window lives beside the other rules the signaling endpoint shares (consultation.ts).
export { JOIN_EARLY_MS, JOIN_LATE_MS } from './consultation.js';

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
  const row = await consultationAppointment(caller.tenant.db, id);
  if (row === null) throw new AppError('not_found');
  await requirePatientAccess(caller.tenant.db, caller, 'appointment.join', row.patientId);
  // In the patient's care is not enough: the room is the appointment's own doctor's.
  const role = caller.role === 'doctor' ? 'doctor' : 'patient';
  if (role === 'doctor' && row.doctorId !== caller.userId) {
    await recordAudit(caller.tenant.db, {
      actorId: caller.userId,
      actorRole: caller.role,
      action: 'appointment.join',
      outcome: 'denied',
      patientId: row.patientId,
      resourceType: 'Appointment',
      resourceId: id,
      requestId: caller.requestId,
    });
    throw new AppError('not_found');
  }

  const refusal = joinRefusal(row, now);
  if (refusal !== null) throw new AppError(refusal);

  const room = await issueRoomToken(
    deps.keys,
    { userId: caller.userId, tenantId: caller.tenantId, role, room: id },
    now,
  );
  await recordAudit(caller.tenant.db, {
    ...actorOf(caller),
    action: 'consultation.token',
    patientId: row.patientId,
    resourceType: 'Appointment',
    resourceId: id,
    details: { jti: room.jti, expiresAt: room.expiresAt.toISOString() },
  });
  return {
    roomToken: room.token,
    expiresAt: room.expiresAt.toISOString(),
    iceServers: iceServersFor(deps.turn, caller.userId, now),
  };
}
