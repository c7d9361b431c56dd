// Shapes shared with the server; see docs/api.md, which both sides implement.

export type Role = 'admin' | 'doctor' | 'nurse' | 'clerk' | 'patient';

export interface Me {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  /** TOTP enrolled; doctors and admins cannot hold a session without it. */
  mfaEnrolled: boolean;
  /**
   * For role patient: the one patient record the portal shows. Servers before this field was
   * added leave it out, and an account not linked to a record has null.
   */
  patientId?: string | null;
  tenant: { code: string; name: string };
}

/** What the enrollment screen shows; `secret` is base32, `qrDataUrl` a data:image/png URL. */
export interface TotpEnrollment {
  secret: string;
  otpauthUri: string;
  qrDataUrl: string;
}

/** One login on one device. */
export interface SessionInfo {
  id: string;
  device: string;
  createdAt: string;
  lastUsedAt: string;
  /** The session this browser holds. */
  current: boolean;
}

export type StaffRole = Exclude<Role, 'patient'>;

export interface StaffMember {
  id: string;
  email: string;
  displayName: string;
  role: StaffRole;
  status: 'active' | 'deactivated';
  mfaEnrolled: boolean;
  /** Locked out after repeated failed logins. */
  locked: boolean;
}

/** An invitation: the member replaces `temporaryPassword` at first login. */
export interface NewStaffMember {
  email: string;
  displayName: string;
  role: StaffRole;
  temporaryPassword: string;
}

export type StaffChange = { role: StaffRole } | { status: StaffMember['status'] };

/** An active doctor or nurse as the staff directory lists them: whom care can be given to. */
export interface DirectoryMember {
  id: string;
  displayName: string;
  role: 'doctor' | 'nurse';
}

/** A doctor or nurse in charge of a patient; only they see the patient's clinical record. */
export interface CareTeamMember {
  staffId: string;
  displayName: string;
  role: StaffRole;
  since: string;
  /** In care through an assignment, or through a recent encounter of theirs (90 days). */
  via: 'assignment' | 'encounter';
}

/** Sixty minutes of reading one patient's chart outside the caller's care team. */
export interface BreakGlassGrant {
  id: string;
  expiresAt: string;
}

/** One of the caller's own running grants (GET /break-glass/mine). */
export interface MyBreakGlassGrant {
  id: string;
  patientId: string;
  expiresAt: string;
}

/** A break-the-glass grant as the administrator reviews it. */
export interface BreakGlassRecord {
  id: string;
  patientId: string;
  staffId: string;
  staffName: string;
  reason: string;
  startedAt: string;
  expiresAt: string;
  reviewedAt: string | null;
}

export interface PortalAccount {
  accountId: string;
  email: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type Sex = 'male' | 'female' | 'other' | 'unknown';

export interface Insurance {
  /** 保険者番号: 6 or 8 digits, the last one a check digit. */
  insurerNumber: string;
  /** 記号 */
  symbol: string | null;
  /** 番号 */
  number: string;
  /** 枝番 */
  branch: string | null;
}

export interface Patient {
  id: string;
  version: number;
  familyName: string;
  givenName: string;
  familyNameKana: string;
  givenNameKana: string;
  birthDate: string;
  sex: Sex;
  phone: string | null;
  email: string | null;
  postalCode: string | null;
  address: string | null;
  insurance: Insurance | null;
  createdAt: string;
  updatedAt: string;
}

export type PatientInput = Omit<Patient, 'id' | 'version' | 'createdAt' | 'updatedAt'>;

export type EncounterType = 'in_person' | 'video';

export interface SoapNote {
  subjective: string;
  objective: string;
  assessment: string;
  plan: string;
}

export interface Diagnosis {
  /** ICD-10 (e.g. "J06.9") when codeSystem is null; else a code of the named system. */
  code: string;
  name: string;
  /** Null or absent: ICD-10 entered in MediConnect. Otherwise an imported code's system URI. */
  codeSystem?: string | null;
}

export interface EncounterVersion {
  version: number;
  note: SoapNote;
  diagnoses: Diagnosis[];
  authorId: string | null;
  authorName: string;
  createdAt: string;
  reason: string | null;
}

export interface Encounter {
  id: string;
  patientId: string;
  type: EncounterType;
  startedAt: string;
  clinicianName: string;
  currentVersion: number;
  note: SoapNote;
  diagnoses: Diagnosis[];
  updatedAt: string;
  versions?: EncounterVersion[];
}

export interface EncounterInput {
  type: EncounterType;
  startedAt: string;
  note: SoapNote;
  diagnoses: Diagnosis[];
}

export interface AmendmentInput {
  baseVersion: number;
  reason: string;
  note: SoapNote;
  diagnoses: Diagnosis[];
}

export interface Observation {
  id: string;
  encounterId: string | null;
  code: string;
  display: string;
  value: string;
  unit: string | null;
  effectiveAt: string;
}

export interface Medication {
  id: string;
  encounterId: string | null;
  code: string | null;
  display: string;
  dosage: string | null;
  status: string;
  authoredAt: string | null;
}

export type AuditOutcome = 'success' | 'denied' | 'failure';

/** One entry of the clinic's audit trail (GET /audit); fields that do not apply are null. */
export interface AuditEvent {
  id: string;
  /** Position in the hash chain; later events have larger numbers. */
  seq: number;
  occurredAt: string;
  /** Null for the system or an operator at the command line. */
  actorId: string | null;
  actorRole: string;
  action: string;
  outcome: AuditOutcome;
  severity: 'info' | 'high';
  patientId: string | null;
  resourceType: string | null;
  resourceId: string | null;
  requestId: string | null;
  clientIp: string | null;
  reason: string | null;
}

/** The filters of GET /audit; absent means "any". `from`/`to` are UTC instants. */
export interface AuditQuery {
  from?: string;
  to?: string;
  actorId?: string;
  patientId?: string;
  action?: string;
  outcome?: AuditOutcome;
  limit: number;
}

export type AuditProblem =
  | 'hash_mismatch'
  | 'missing_event'
  | 'inserted_event'
  | 'reordered'
  | 'bad_checkpoint'
  | 'missing_anchor';

/** What GET /audit/verify found when it walked the hash chain. */
export interface AuditVerification {
  status: 'intact' | 'broken';
  checkedEvents: number;
  pendingEvents: number;
  /** After a retention purge: the signed checkpoint the remaining trail is verified from. */
  anchor: { position: number; at: string } | null;
  lastCheckpoint: { position: number; at: string; signatureValid: boolean } | null;
  firstBroken: {
    position: number;
    seq: number | null;
    eventId: string | null;
    problem: AuditProblem;
  } | null;
  verifiedAt: string;
}

export type AppointmentType = 'in_person' | 'video';

/** A booking between a doctor and a patient; instants are UTC ISO strings (shown in Tokyo time). */
export interface Appointment {
  id: string;
  doctorId: string;
  patientId: string;
  start: string;
  end: string;
  type: AppointmentType;
  status: 'booked' | 'cancelled';
  note: string | null;
  cancelReason: string | null;
  cancelledAt: string | null;
  createdAt: string;
  /** The video encounter opened at admission; doctors and nurses only, else null. */
  encounterId?: string | null;
}

export interface AppointmentInput {
  doctorId: string;
  /** Required from the front desk; a patient's own comes from their token. */
  patientId?: string;
  start: string;
  end: string;
  type: AppointmentType;
  note: string | null;
}

/** The filters of GET /appointments; an appointment is listed when it overlaps [from, to). */
export interface AppointmentQuery {
  from?: string;
  to?: string;
  /** `me`: the calling doctor's own appointments. */
  doctorId?: string;
  patientId?: string;
}

/** A TURN server with coturn's time-limited credentials. */
export interface IceServer {
  urls: string[];
  username: string;
  credential: string;
}

/** A five-minute ticket into one consultation's signaling, and the only ICE servers to use. */
export interface VideoToken {
  roomToken: string;
  expiresAt: string;
  iceServers: IceServer[];
}
