import type { Migration } from '../migrate.js';

/** One clinic's tables. Every tenant schema runs the same list, in order. */
export const tenantMigrations: Migration[] = [
  {
    version: 1,
    name: 'patients, care team, encounters, diagnoses, imported data, audit',
    statements: (s) => [
      `create table ${s}.patients (
        id uuid primary key,
        version integer not null default 1,
        family_name text not null,
        given_name text not null,
        family_name_kana text,
        given_name_kana text,
        sort_name text not null,
        birth_date date not null,
        sex text not null check (sex in ('male', 'female', 'other', 'unknown')),
        phone text,
        email text,
        postal_code text,
        address text,
        insurer_number text,
        insurance_symbol text,
        insurance_number text,
        insurance_branch text,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null,
        created_by uuid,
        updated_by uuid
      )`,
      `create index patients_sort_idx on ${s}.patients (sort_name, id)`,
      `create table ${s}.care_team (
        id uuid primary key,
        patient_id uuid not null references ${s}.patients (id),
        staff_id uuid not null,
        assigned_by uuid,
        started_at timestamptz not null default now(),
        ended_at timestamptz
      )`,
      `create unique index care_team_active_idx on ${s}.care_team (staff_id, patient_id)
        where ended_at is null`,
      `create table ${s}.practitioners (
        id uuid primary key,
        name text not null,
        identifiers jsonb not null default '[]',
        created_at timestamptz not null default now()
      )`,
      `create table ${s}.organizations (
        id uuid primary key,
        name text not null,
        identifiers jsonb not null default '[]',
        address text,
        phone text,
        created_at timestamptz not null default now()
      )`,
      `create table ${s}.encounters (
        id uuid primary key,
        patient_id uuid not null references ${s}.patients (id),
        type text not null check (type in ('in_person', 'video')),
        started_at timestamptz not null,
        ended_at timestamptz,
        clinician_id uuid,
        clinician_name text not null,
        practitioner_id uuid references ${s}.practitioners (id),
        organization_id uuid references ${s}.organizations (id),
        current_version integer not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null
      )`,
      `create index encounters_patient_idx on ${s}.encounters (patient_id, started_at desc, id desc)`,
      `create table ${s}.encounter_versions (
        encounter_id uuid not null references ${s}.encounters (id),
        version integer not null,
        subjective text not null,
        objective text not null,
        assessment text not null,
        plan text not null,
        author_id uuid,
        author_name text not null,
        reason text,
        created_at timestamptz not null default now(),
        primary key (encounter_id, version)
      )`,
      `create table ${s}.diagnoses (
        id uuid primary key,
        encounter_id uuid not null,
        version integer not null,
        position integer not null,
        code text not null,
        name text not null,
        foreign key (encounter_id, version) references ${s}.encounter_versions (encounter_id, version)
      )`,
      `create index diagnoses_version_idx on ${s}.diagnoses (encounter_id, version, position)`,
      `create table ${s}.observations (
        id uuid primary key,
        patient_id uuid not null references ${s}.patients (id),
        encounter_id uuid references ${s}.encounters (id),
        code_system text,
        code text not null,
        display text not null,
        value_text text not null,
        unit text,
        effective_at timestamptz,
        created_at timestamptz not null default now()
      )`,
      `create index observations_patient_idx on ${s}.observations (patient_id, effective_at desc, id)`,
      `create table ${s}.medications (
        id uuid primary key,
        patient_id uuid not null references ${s}.patients (id),
        encounter_id uuid references ${s}.encounters (id),
        code_system text,
        code text,
        display text not null,
        dosage text,
        status text not null,
        authored_at timestamptz,
        created_at timestamptz not null default now()
      )`,
      `create index medications_patient_idx on ${s}.medications (patient_id, authored_at desc, id)`,
      `create table ${s}.external_refs (
        resource_type text not null,
        source text not null,
        external_id text not null,
        local_id uuid not null,
        content_hash text not null,
        imported_at timestamptz not null default now(),
        primary key (resource_type, source, external_id)
      )`,
      `create table ${s}.audit_events (
        id uuid primary key,
        occurred_at timestamptz not null default now(),
        actor_id uuid,
        actor_role text not null,
        action text not null,
        outcome text not null check (outcome in ('success', 'denied', 'failure')),
        patient_id uuid,
        resource_type text,
        resource_id text,
        request_id text,
        details jsonb not null default '{}'
      )`,
      `create index audit_events_time_idx on ${s}.audit_events (occurred_at desc, id)`,
      `create index audit_events_patient_idx on ${s}.audit_events (patient_id, occurred_at desc)`,
    ],
  },
  {
    version: 2,
    name: 'diagnoses keep the code system of imported codes',
    // An imported diagnosis may be coded in SNOMED CT (Synthea) or another system, not ICD-10:
    // the system is kept beside the code so it never poses as ICD-10. Null means entered in
    // MediConnect, where the API accepts ICD-10 only. The index serves the importer, which
    // re-points a Condition's external ref when a re-import copies diagnoses into a new version.
    statements: (s) => [
      `alter table ${s}.diagnoses add column code_system text`,
      `create index external_refs_local_idx on ${s}.external_refs (resource_type, local_id)`,
    ],
  },
  {
    version: 3,
    name: 'break-the-glass grants',
    statements: (s) => [
      `create table ${s}.break_glass (
        id uuid primary key,
        patient_id uuid not null references ${s}.patients (id),
        staff_id uuid not null,
        reason text not null,
        started_at timestamptz not null default now(),
        expires_at timestamptz not null,
        reviewed_by uuid,
        reviewed_at timestamptz
      )`,
      `create index break_glass_access_idx on ${s}.break_glass (staff_id, patient_id, expires_at)`,
      `create index break_glass_review_idx on ${s}.break_glass (started_at desc)`,
    ],
  },
  {
    version: 4,
    name: 'tamper-evident audit trail: sequence, hash chain, signed checkpoints, append-only',
    // Requests only insert (a sequence number, no lock). A background chainer links events in
    // sequence order into audit_chain, so no request waits on the chain. The trigger refuses
    // UPDATE, DELETE and TRUNCATE on all three tables, even for the table owner, unless the
    // owner first disables it, which verify then catches through the hashes.
    // See apps/server/src/modules/audit/README.md.
    statements: (s) => [
      `create sequence ${s}.audit_seq`,
      `alter table ${s}.audit_events
        add column seq bigint not null default nextval('${s}.audit_seq'),
        add column severity text not null default 'info' check (severity in ('info', 'high')),
        add column client_ip text,
        add column reason text`,
      `alter sequence ${s}.audit_seq owned by ${s}.audit_events.seq`,
      // Event time is the moment of recording, not the start of the caller's transaction: the
      // chainer's gap rule reasons about when a sequence number was taken.
      `alter table ${s}.audit_events alter column occurred_at set default clock_timestamp()`,
      // The log is read newest first by sequence; the time index of v1 no longer serves, and
      // every index is paid for on each audited request.
      `create unique index audit_events_seq_idx on ${s}.audit_events (seq)`,
      `drop index ${s}.audit_events_time_idx`,
      `create index audit_events_actor_idx on ${s}.audit_events (actor_id, seq desc)`,
      // One row per sequence number from 1, so position and seq go together; verify checks
      // that they do rather than an index.
      `create table ${s}.audit_chain (
        position bigint primary key,
        seq bigint not null,
        event_id uuid,
        prev_hash text not null,
        hash text not null,
        chained_at timestamptz not null default now()
      )`,
      `create table ${s}.audit_checkpoints (
        position bigint primary key,
        hash text not null,
        signed_at timestamptz not null,
        jws text not null
      )`,
      `create function ${s}.audit_append_only() returns trigger language plpgsql as $$
        begin
          raise exception 'the audit trail is append-only (% on %)', tg_op, tg_table_name
            using errcode = 'insufficient_privilege';
        end $$`,
      ...['audit_events', 'audit_chain', 'audit_checkpoints'].flatMap((table) => [
        `create trigger ${table}_append_only before update or delete on ${s}.${table}
          for each row execute function ${s}.audit_append_only()`,
        `create trigger ${table}_no_truncate before truncate on ${s}.${table}
          for each statement execute function ${s}.audit_append_only()`,
        `revoke update, delete, truncate on ${s}.${table} from public`,
      ]),
    ],
  },
  {
    version: 5,
    name: 'field encryption: insurance-number blind index, legacy plaintext marker',
    // Values written before field encryption are plaintext. The marker row (only in a schema
    // that already holds data) makes the next start encrypt them before serving (see
    // platform/keys/rotation.ts); a new clinic has nothing to encrypt.
    statements: (s) => [
      `alter table ${s}.patients add column insurance_number_bidx text`,
      `create index patients_insurance_bidx_idx on ${s}.patients (insurance_number_bidx)
        where insurance_number_bidx is not null`,
      `create table ${s}.encryption_backfill (marked_at timestamptz primary key default now())`,
      `insert into ${s}.encryption_backfill (marked_at) select now()
        where exists (select 1 from ${s}.patients where insurer_number is not null)
          or exists (select 1 from ${s}.encounter_versions)
          or exists (select 1 from ${s}.observations)
          or exists (select 1 from ${s}.medications)
          or exists (select 1 from ${s}.break_glass)`,
    ],
  },
  {
    version: 7,
    name: 'uploaded files and their virus-scan state',
    // A file is quarantined until clamd calls it clean; next_scan_at drives the retrying scan
    // job, so a restart loses no pending scan. The object key is random; the file name is
    // metadata only.
    statements: (s) => [
      `create table ${s}.files (
        id uuid primary key,
        patient_id uuid not null references ${s}.patients (id),
        category text not null,
        object_key text not null unique,
        file_name text not null,
        content_type text not null,
        size_bytes integer not null check (size_bytes > 0),
        sha256 text not null,
        status text not null default 'quarantined'
          check (status in ('quarantined', 'clean', 'infected')),
        scan_attempts integer not null default 0,
        next_scan_at timestamptz,
        scanned_at timestamptz,
        uploaded_by uuid not null,
        created_at timestamptz not null default now()
      )`,
      `create index files_patient_idx on ${s}.files (patient_id, created_at desc, id desc)`,
      `create index files_scan_idx on ${s}.files (next_scan_at) where status = 'quarantined'`,
    ],
  },
  {
    version: 8,
    name: 'prescriptions and their lines',
    // Never deleted: a cancellation keeps the prescription with its reason (SPEC §5).
    statements: (s) => [
      `create table ${s}.prescriptions (
        id uuid primary key,
        patient_id uuid not null references ${s}.patients (id),
        doctor_id uuid not null,
        doctor_name text not null,
        issued_on date not null,
        valid_until date not null,
        notes text,
        status text not null default 'active' check (status in ('active', 'cancelled')),
        cancel_reason text,
        cancelled_at timestamptz,
        cancelled_by uuid,
        pdf_object_key text not null,
        created_at timestamptz not null default now()
      )`,
      `create index prescriptions_patient_idx
        on ${s}.prescriptions (patient_id, created_at desc, id desc)`,
      `create table ${s}.prescription_lines (
        prescription_id uuid not null references ${s}.prescriptions (id),
        position integer not null,
        name text not null,
        code text not null,
        code_system text not null check (code_system in ('yj', 'receipt')),
        dose text not null,
        unit text not null,
        frequency text not null,
        days integer not null check (days between 1 and 90),
        route text not null,
        no_substitution boolean not null,
        primary key (prescription_id, position)
      )`,
    ],
  },
  {
    version: 9,
    name: 'appointments, with no double-booked doctor',
    // The exclusion constraint keeps two live appointments of one doctor from overlapping, even
    // when two bookings commit at the same instant; ranges are half-open, so back-to-back slots
    // fit. It needs btree_gist (uuid equality in a GiST index). The extension is per database:
    // it is created once in public, under a lock so tenants migrating side by side do not race
    // on `if not exists`. PGlite loads it at creation (database.ts). On PostgreSQL 13+ it is a
    // trusted extension: a database owner may create it.
    statements: (s) => [
      `select pg_advisory_xact_lock(hashtext('mediconnect:btree_gist'))`,
      `create extension if not exists btree_gist with schema public`,
      `create table ${s}.appointments (
        id uuid primary key,
        patient_id uuid not null references ${s}.patients (id),
        doctor_id uuid not null,
        starts_at timestamptz not null,
        ends_at timestamptz not null,
        type text not null check (type in ('in_person', 'video')),
        status text not null default 'booked' check (status in ('booked', 'cancelled')),
        note text check (char_length(note) <= 1000),
        cancel_reason text,
        cancelled_at timestamptz,
        cancelled_by uuid,
        booked_by uuid not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        check (ends_at > starts_at),
        constraint appointments_no_double_booking exclude using gist
          (doctor_id with =, tstzrange(starts_at, ends_at) with &&)
          where (status <> 'cancelled')
      )`,
      `create index appointments_start_idx on ${s}.appointments (starts_at, id)`,
      `create index appointments_patient_idx on ${s}.appointments (patient_id, starts_at)`,
    ],
  },
  {
    version: 10,
    name: 'video consultations: their encounter, start and end',
    // One encounter per consultation, even when two API instances admit the patient at the same
    // instant: the unique index decides, and the loser takes the winner's encounter. Start and
    // end are set once each (conditional updates), so each is audited once, and an ended room
    // stays ended when the shared store forgets it.
    statements: (s) => [
      `alter table ${s}.encounters
        add column appointment_id uuid references ${s}.appointments (id)`,
      `create unique index encounters_appointment_idx on ${s}.encounters (appointment_id)
        where appointment_id is not null`,
      `alter table ${s}.appointments
        add column consultation_started_at timestamptz,
        add column consultation_ended_at timestamptz`,
    ],
  },
];
