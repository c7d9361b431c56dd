import type { Migration } from '../migrate.js';

/** The platform's own tables: tenants, staff and patient accounts, sessions. */
export const controlMigrations: Migration[] = [
  {
    version: 1,
    name: 'tenants, users, sessions',
    statements: (s) => [
      `create table ${s}.tenants (
        id uuid primary key,
        code text not null unique,
        name text not null,
        schema_name text not null unique,
        status text not null default 'active' check (status in ('active', 'suspended')),
        created_at timestamptz not null default now()
      )`,
      `create table ${s}.users (
        id uuid primary key,
        tenant_id uuid not null references ${s}.tenants (id),
        email text not null,
        password_hash text not null,
        role text not null check (role in ('admin', 'doctor', 'nurse', 'clerk', 'patient')),
        display_name text not null,
        status text not null default 'active' check (status in ('active', 'deactivated')),
        patient_id uuid,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        unique (tenant_id, email)
      )`,
      `create table ${s}.sessions (
        id uuid primary key,
        tenant_id uuid not null references ${s}.tenants (id),
        user_id uuid not null references ${s}.users (id),
        device_label text not null,
        created_at timestamptz not null default now(),
        last_used_at timestamptz not null,
        expires_at timestamptz not null,
        revoked_at timestamptz,
        revoked_reason text
      )`,
      `create index sessions_user_idx on ${s}.sessions (user_id) where revoked_at is null`,
      `create table ${s}.refresh_tokens (
        token_hash text primary key,
        session_id uuid not null references ${s}.sessions (id),
        created_at timestamptz not null default now(),
        used_at timestamptz
      )`,
      `create index refresh_tokens_session_idx on ${s}.refresh_tokens (session_id)`,
    ],
  },
  {
    version: 2,
    name: 'MFA, recovery codes, password changes, session MFA time, tenant data keys',
    statements: (s) => [
      `alter table ${s}.users add column mfa_secret text`,
      `alter table ${s}.users add column mfa_pending_secret text`,
      `alter table ${s}.users add column mfa_enrolled_at timestamptz`,
      `alter table ${s}.users add column mfa_last_step integer not null default 0`,
      `alter table ${s}.users add column must_change_password boolean not null default false`,
      `alter table ${s}.users add column password_changed_at timestamptz`,
      `create table ${s}.recovery_codes (
        id uuid primary key,
        user_id uuid not null references ${s}.users (id),
        code_hash text not null,
        created_at timestamptz not null default now(),
        used_at timestamptz
      )`,
      `create index recovery_codes_user_idx on ${s}.recovery_codes (user_id) where used_at is null`,
      `alter table ${s}.sessions add column amr text not null default 'pwd'`,
      `alter table ${s}.sessions add column mfa_at timestamptz`,
      `create table ${s}.tenant_keys (
        tenant_id uuid not null references ${s}.tenants (id),
        version integer not null,
        wrapped_key bytea not null,
        created_at timestamptz not null default now(),
        primary key (tenant_id, version)
      )`,
    ],
  },
  {
    version: 3,
    name: 'one portal account per patient record',
    statements: (s) => [
      `create unique index users_patient_account_idx on ${s}.users (tenant_id, patient_id)
        where patient_id is not null`,
    ],
  },
  {
    version: 4,
    name: 'tenant data keys name the key-encryption key that wraps them',
    // Keys stored before KEK versions were all wrapped by the one local KEK, now `local:1`.
    statements: (s) => [
      `alter table ${s}.tenant_keys add column kek_id text not null default 'local:1'`,
    ],
  },
  {
    version: 6,
    name: 'blind-index keys and data-key re-encryption jobs',
    statements: (s) => [
      `create table ${s}.tenant_index_keys (
        tenant_id uuid primary key references ${s}.tenants (id),
        wrapped_key bytea not null,
        kek_id text not null,
        created_at timestamptz not null default now()
      )`,
      `create table ${s}.key_rotations (
        tenant_id uuid primary key references ${s}.tenants (id),
        target_version integer not null,
        reason text not null check (reason in ('rotate', 'legacy')),
        progress jsonb not null default '{}',
        converted bigint not null default 0,
        failed bigint not null default 0,
        started_at timestamptz not null default now(),
        settle_until timestamptz not null,
        lease_holder text,
        lease_until timestamptz,
        finished_at timestamptz
      )`,
    ],
  },
];
