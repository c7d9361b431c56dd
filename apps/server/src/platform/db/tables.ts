import type { ColumnType, Generated } from 'kysely';

/** A timestamp column: written as a Date or ISO string, read as a Date. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A timestamp with a database default: optional on insert. */
type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** Null until something happens; left out of an insert. */
type NullableTimestamp = ColumnType<
  Date | null,
  Date | string | null | undefined,
  Date | string | null
>;
type Json<T> = ColumnType<T, string, string>;

// ---- control schema: the platform's own tables, one set for all tenants ----

export interface TenantsTable {
  id: string;
  code: string;
  name: string;
  schema_name: string;
  status: 'active' | 'suspended';
  created_at: DefaultTimestamp;
}

export type Role = 'admin' | 'doctor' | 'nurse' | 'clerk' | 'patient';

export interface UsersTable {
  id: string;
  tenant_id: string;
  email: string;
  password_hash: string;
  role: Role;
  display_name: string;
  status: Generated<'active' | 'deactivated'>;
  /** For role `patient`: the patient record this account may see. */
  patient_id: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  /** Encrypted TOTP secret (FieldCipher), set when enrollment is confirmed. */
  mfa_secret: string | null;
  mfa_pending_secret: string | null;
  mfa_enrolled_at: Timestamp | null;
  /** The last TOTP time step accepted: a code is never accepted twice. */
  mfa_last_step: Generated<number>;
  must_change_password: Generated<boolean>;
  password_changed_at: Timestamp | null;
}

export interface RecoveryCodesTable {
  id: string;
  user_id: string;
  code_hash: string;
  created_at: DefaultTimestamp;
  used_at: Timestamp | null;
}

export interface TenantKeysTable {
  tenant_id: string;
  version: number;
  wrapped_key: ColumnType<Buffer, Buffer, Buffer>;
  /** The key-encryption key that wrapped this data key (`local:<n>` or a KMS key id). */
  kek_id: string;
  created_at: DefaultTimestamp;
}

/** The per-tenant key of the insurance-number blind index: never the data key (SPEC §6). */
export interface TenantIndexKeysTable {
  tenant_id: string;
  wrapped_key: ColumnType<Buffer, Buffer, Buffer>;
  kek_id: string;
  created_at: DefaultTimestamp;
}

/**
 * A tenant's re-encryption job (one row per tenant, reused by the next rotation): every
 * encrypted value moves to `target_version`. Unfinished while `finished_at` is null.
 */
export interface KeyRotationsTable {
  tenant_id: string;
  target_version: number;
  /** `rotate`: a new data key; `legacy`: plaintext from before field encryption. */
  reason: 'rotate' | 'legacy';
  /** Per table: the last row key done in this pass (JSON array), or absent. */
  progress: Json<Record<string, string[]>>;
  converted: ColumnType<string, number | string | undefined, number | string>;
  failed: ColumnType<string, number | string | undefined, number | string>;
  started_at: DefaultTimestamp;
  /** No instance can still write under an older version after this: the last sweep starts later. */
  settle_until: Timestamp;
  lease_holder: string | null;
  lease_until: Timestamp | null;
  finished_at: Timestamp | null;
}

export interface SessionsTable {
  id: string;
  tenant_id: string;
  user_id: string;
  device_label: string;
  created_at: DefaultTimestamp;
  last_used_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  revoked_reason: string | null;
  /** Authentication methods of the login, comma-separated (RFC 8176 values). */
  amr: Generated<string>;
  /** When MFA was last verified in this session (login or step-up). */
  mfa_at: Timestamp | null;
}

export interface RefreshTokensTable {
  token_hash: string;
  session_id: string;
  created_at: DefaultTimestamp;
  used_at: Timestamp | null;
}

export interface ControlDatabase {
  tenants: TenantsTable;
  users: UsersTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  recovery_codes: RecoveryCodesTable;
  tenant_keys: TenantKeysTable;
  tenant_index_keys: TenantIndexKeysTable;
  key_rotations: KeyRotationsTable;
}

// ---- tenant schema: one copy per clinic ----

export type Sex = 'male' | 'female' | 'other' | 'unknown';

export interface PatientsTable {
  id: string;
  version: number;
  family_name: string;
  given_name: string;
  family_name_kana: string | null;
  given_name_kana: string | null;
  /** Kana when known, else the name: the order of the patient list. */
  sort_name: string;
  birth_date: string;
  sex: Sex;
  phone: string | null;
  email: string | null;
  postal_code: string | null;
  address: string | null;
  insurer_number: string | null;
  insurance_symbol: string | null;
  insurance_number: string | null;
  insurance_branch: string | null;
  /** HMAC blind index of the normalized insurance number: exact-match search only. */
  insurance_number_bidx: string | null;
  created_at: DefaultTimestamp;
  updated_at: Timestamp;
  created_by: string | null;
  updated_by: string | null;
}

export interface CareTeamTable {
  id: string;
  patient_id: string;
  staff_id: string;
  assigned_by: string | null;
  started_at: DefaultTimestamp;
  ended_at: Timestamp | null;
}

/** Never deleted: a cancelled appointment keeps its reason and frees its slot. */
export interface AppointmentsTable {
  id: string;
  patient_id: string;
  doctor_id: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  type: 'in_person' | 'video';
  status: Generated<'booked' | 'cancelled'>;
  note: string | null;
  cancel_reason: string | null;
  cancelled_at: Timestamp | null;
  cancelled_by: string | null;
  booked_by: string;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  /** The first time its doctor joined the video consultation. */
  consultation_started_at: NullableTimestamp;
  /** When its doctor ended the video consultation: the room never opens again. */
  consultation_ended_at: NullableTimestamp;
}

export interface PractitionersTable {
  id: string;
  name: string;
  identifiers: Json<{ system: string | null; value: string }[]>;
  created_at: DefaultTimestamp;
}

export interface OrganizationsTable {
  id: string;
  name: string;
  identifiers: Json<{ system: string | null; value: string }[]>;
  address: string | null;
  phone: string | null;
  created_at: DefaultTimestamp;
}

export interface EncountersTable {
  id: string;
  patient_id: string;
  type: 'in_person' | 'video';
  started_at: Timestamp;
  ended_at: Timestamp | null;
  clinician_id: string | null;
  clinician_name: string;
  practitioner_id: string | null;
  organization_id: string | null;
  current_version: number;
  created_at: DefaultTimestamp;
  updated_at: Timestamp;
  /** The video consultation this encounter records (one at most per appointment). */
  appointment_id: Generated<string | null>;
}

export interface EncounterVersionsTable {
  encounter_id: string;
  version: number;
  subjective: string;
  objective: string;
  assessment: string;
  plan: string;
  author_id: string | null;
  author_name: string;
  reason: string | null;
  created_at: DefaultTimestamp;
}

export interface DiagnosesTable {
  id: string;
  encounter_id: string;
  version: number;
  position: number;
  code: string;
  name: string;
  /** Null: ICD-10 entered in MediConnect. Otherwise the imported code's system URI. */
  code_system: string | null;
}

export interface ObservationsTable {
  id: string;
  patient_id: string;
  encounter_id: string | null;
  code_system: string | null;
  code: string;
  display: string;
  value_text: string;
  unit: string | null;
  effective_at: Timestamp | null;
  created_at: DefaultTimestamp;
}

export interface MedicationsTable {
  id: string;
  patient_id: string;
  encounter_id: string | null;
  code_system: string | null;
  code: string | null;
  display: string;
  dosage: string | null;
  status: string;
  authored_at: Timestamp | null;
  created_at: DefaultTimestamp;
}

/** Where an imported resource came from, so a second import recognises it. */
export interface ExternalRefsTable {
  resource_type: string;
  source: string;
  external_id: string;
  local_id: string;
  content_hash: string;
  imported_at: DefaultTimestamp;
}

export interface AuditEventsTable {
  id: string;
  occurred_at: DefaultTimestamp;
  actor_id: string | null;
  actor_role: string;
  action: string;
  outcome: 'success' | 'denied' | 'failure';
  patient_id: string | null;
  resource_type: string | null;
  resource_id: string | null;
  request_id: string | null;
  details: Json<Record<string, unknown>>;
  /** Assigned from a sequence on insert: the order in which the chainer links events. */
  seq: Generated<string>;
  severity: Generated<'info' | 'high'>;
  client_ip: string | null;
  /** Free text given by the actor (break-the-glass), encrypted with the tenant's data key. */
  reason: string | null;
}

/**
 * The hash chain, one row per sequence number: an event, or a gap (a number taken by a
 * transaction that rolled back) when `event_id` is null. Insert-only, like the events.
 */
export interface AuditChainTable {
  position: string;
  seq: string;
  event_id: string | null;
  prev_hash: string;
  hash: string;
  chained_at: DefaultTimestamp;
}

/** The chain head at some position, signed (compact JWS, ES256) with the platform signing key. */
export interface AuditCheckpointsTable {
  position: string;
  hash: string;
  signed_at: Timestamp;
  jws: string;
}

/** Emergency read access outside the care team (SPEC §4): 60 minutes, reviewed by an admin. */
export interface BreakGlassTable {
  id: string;
  patient_id: string;
  staff_id: string;
  reason: string;
  started_at: DefaultTimestamp;
  expires_at: Timestamp;
  reviewed_by: string | null;
  reviewed_at: Timestamp | null;
}

export type FileStatus = 'quarantined' | 'clean' | 'infected';

/** An uploaded file: the object lives in storage, this row says what it is and how it scanned. */
export interface FilesTable {
  id: string;
  patient_id: string;
  category: string;
  object_key: string;
  file_name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  status: ColumnType<FileStatus, FileStatus | undefined, FileStatus>;
  scan_attempts: Generated<number>;
  next_scan_at: Timestamp | null;
  scanned_at: Timestamp | null;
  uploaded_by: string;
  created_at: DefaultTimestamp;
}

export interface PrescriptionsTable {
  id: string;
  patient_id: string;
  doctor_id: string;
  doctor_name: string;
  /** Dates as YYYY-MM-DD text (the date type is read as text). */
  issued_on: string;
  valid_until: string;
  notes: string | null;
  status: ColumnType<'active' | 'cancelled', 'active' | 'cancelled' | undefined, 'cancelled'>;
  cancel_reason: string | null;
  cancelled_at: Timestamp | null;
  cancelled_by: string | null;
  pdf_object_key: string;
  created_at: DefaultTimestamp;
}

export interface PrescriptionLinesTable {
  prescription_id: string;
  position: number;
  name: string;
  code: string;
  code_system: 'yj' | 'receipt';
  dose: string;
  unit: string;
  frequency: string;
  days: number;
  route: string;
  no_substitution: boolean;
}

/** Present while values written before field encryption may still be plaintext. */
export interface EncryptionBackfillTable {
  marked_at: DefaultTimestamp;
}

export interface TenantDatabase {
  patients: PatientsTable;
  care_team: CareTeamTable;
  appointments: AppointmentsTable;
  practitioners: PractitionersTable;
  organizations: OrganizationsTable;
  encounters: EncountersTable;
  encounter_versions: EncounterVersionsTable;
  diagnoses: DiagnosesTable;
  observations: ObservationsTable;
  medications: MedicationsTable;
  external_refs: ExternalRefsTable;
  audit_events: AuditEventsTable;
  files: FilesTable;
  prescriptions: PrescriptionsTable;
  prescription_lines: PrescriptionLinesTable;
  audit_chain: AuditChainTable;
  audit_checkpoints: AuditCheckpointsTable;
  break_glass: BreakGlassTable;
  encryption_backfill: EncryptionBackfillTable;
}
