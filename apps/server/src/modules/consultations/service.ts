import type { TenantHandle } from '../../platform/keys/tenant-fields.js';
import type { AuditChainer } from '../audit/chainer.js';
import { recordAudit, type AuditEvent } from '../audit/service.js';
import {
  consultationAppointment,
  joinRefusal,
  markConsultationEnded,
  markConsultationStarted,
  type ConsultationAppointment,
  type JoinRefusal,
} from '../appointments/consultation.js';
import type { RoomRole } from '../appointments/room-token.js';
import {
  consultationEncounterId,
  endConsultationEncounter,
  openConsultationEncounter,
} from '../encounters/consultation.js';
import type { AccountService } from '../staff/service.js';
import type { TenantService } from '../tenants/service.js';

/** Who is on a socket, from a verified room token and the socket's upgrade request. */
export interface Participant {
  tenant: TenantHandle;
  userId: string;
  role: RoomRole;
  appointmentId: string;
  /** The upgrade request's id: every event of one socket carries it. */
  requestId: string;
  clientIp: string;
}

export type Refusal = JoinRefusal | 'forbidden';

export type JoinResult =
  | { ok: true; appointment: ConsultationAppointment; encounterId: string | null }
  | { ok: false; refusal: Refusal };

export interface ConsultationDeps {
  tenants: TenantService;
  accounts: AccountService;
  chainer: AuditChainer;
}

/**
 * The consultation's durable side: who may join, its start, the admission that opens its video
 * encounter, and its end, each audited in the transaction that records it. The live side
 * (sockets, rooms, fan-out) is in hub.ts and socket.ts.
 */
export class ConsultationService {
  constructor(private readonly deps: ConsultationDeps) {}

  /** The handle of an active clinic, or null (gone, or suspended since the token was issued). */
  async tenant(tenantId: string): Promise<TenantHandle | null> {
    const tenant = await this.deps.tenants.findById(tenantId);
    return tenant?.status === 'active' ? this.deps.tenants.handle(tenant) : null;
  }

  /**
   * Checks the appointment again at the moment of joining (the token may be minutes old) and
   * records the join; the doctor's first join also records the consultation's start.
   * Known shortcoming: a room token names no session, so logging out or revoking the session
   * does not close a socket already joined (it lasts until it leaves or the room ends).
   */
  async join(who: Participant, now = Date.now()): Promise<JoinResult> {
    const appointment = await consultationAppointment(who.tenant.db, who.appointmentId);
    const refusal =
      appointment === null || !(await this.isParticipant(who, appointment))
        ? 'forbidden'
        : joinRefusal(appointment, now);
    if (appointment === null || refusal !== null) {
      await recordAudit(who.tenant.db, {
        ...event(who, 'consultation.join', appointment?.patientId ?? null),
        outcome: 'denied',
        details: { code: refusal ?? 'forbidden' },
      });
      this.deps.chainer.notice(who.tenant);
      return { ok: false, refusal: refusal ?? 'forbidden' };
    }

    const joinEvent = event(who, 'consultation.join', appointment.patientId);
    if (who.role === 'doctor' && appointment.startedAt === null) {
      // Whichever instance marks the start audits it, in the same transaction.
      await who.tenant.transaction(async (trx) => {
        await recordAudit(trx, joinEvent);
        if (await markConsultationStarted(trx, appointment.id, new Date(now)))
          await recordAudit(trx, event(who, 'consultation.start', appointment.patientId));
      });
    } else {
      // One statement, and every reconnect comes through here: no transaction needed.
      await recordAudit(who.tenant.db, joinEvent);
    }
    this.deps.chainer.notice(who.tenant);
    const encounterId = await consultationEncounterId(who.tenant.db, appointment.id);
    return { ok: true, appointment, encounterId };
  }

  /**
   * Admits the patient: opens the video encounter with the appointment's doctor as clinician,
   * once, however many times or instances admit. The admission is audited when it opens it.
   */
  async admit(
    doctor: Participant,
    now = Date.now(),
  ): Promise<{ ok: true; encounterId: string } | { ok: false; refusal: Refusal }> {
    const appointment = await consultationAppointment(doctor.tenant.db, doctor.appointmentId);
    if (appointment === null) return { ok: false, refusal: 'forbidden' };
    const refusal = joinRefusal(appointment, now);
    if (refusal !== null) return { ok: false, refusal };
    const account = await this.deps.accounts.findById(doctor.tenant.tenantId, doctor.userId);
    if (account === null) return { ok: false, refusal: 'forbidden' };

    const at = new Date(now);
    const encounter = await doctor.tenant.transaction(async (trx) => {
      const opened = await openConsultationEncounter(trx, doctor.tenant.fields, {
        appointmentId: appointment.id,
        patientId: appointment.patientId,
        clinician: { id: doctor.userId, name: account.displayName },
        at,
      });
      if (opened.created) {
        await recordAudit(trx, {
          ...event(doctor, 'consultation.admit', appointment.patientId),
          details: { encounterId: opened.id },
        });
        await recordAudit(trx, {
          ...event(doctor, 'encounter.create', appointment.patientId),
          resourceType: 'Encounter',
          resourceId: opened.id,
          details: { appointmentId: appointment.id },
        });
      }
      return opened;
    });
    this.deps.chainer.notice(doctor.tenant);
    return { ok: true, encounterId: encounter.id };
  }

  /** Ends the consultation for good and closes its encounter; audited once. */
  async end(doctor: Participant, now = Date.now()): Promise<void> {
    const appointment = await consultationAppointment(doctor.tenant.db, doctor.appointmentId);
    if (appointment === null) return;

    const at = new Date(now);
    const ended = await doctor.tenant.transaction(async (trx) => {
      if (!(await markConsultationEnded(trx, appointment.id, at))) return false;
      const encounterId = await endConsultationEncounter(trx, appointment.id, at);
      await recordAudit(trx, {
        ...event(doctor, 'consultation.end', appointment.patientId),
        details: { encounterId },
      });
      return true;
    });
    if (ended) this.deps.chainer.notice(doctor.tenant);
  }

  /** Still this appointment's doctor, or still the account of its patient, and active. */
  private async isParticipant(
    who: Participant,
    appointment: ConsultationAppointment,
  ): Promise<boolean> {
    const account = await this.deps.accounts.findById(who.tenant.tenantId, who.userId);
    if (account?.status !== 'active' || account.role !== who.role) return false;
    return who.role === 'doctor'
      ? appointment.doctorId === who.userId
      : account.patientId !== null && appointment.patientId === account.patientId;
  }
}

function event(who: Participant, action: string, patientId: string | null): AuditEvent {
  return {
    actorId: who.userId,
    actorRole: who.role,
    action,
    patientId,
    resourceType: 'Appointment',
    resourceId: who.appointmentId,
    requestId: who.requestId,
    clientIp: who.clientIp,
  };
}
