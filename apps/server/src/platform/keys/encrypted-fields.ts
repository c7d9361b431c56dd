import type { TenantDatabase } from '../db/tables.js';

/**
 * The one list of encrypted columns (SPEC §6). Repositories seal and open rows through
 * TenantFields, the re-encryption job walks the same list, and the tests check raw SQL against
 * it: adding a column here is all it takes to encrypt it everywhere.
 *
 * `key` names the columns that identify a row; their values, joined with '/', are the row id
 * in each value's associated data, so a value copied to another row fails to decrypt.
 */
export const ENCRYPTED_TABLES = {
  patients: {
    key: [['id', 'uuid']],
    columns: ['insurer_number', 'insurance_symbol', 'insurance_number', 'insurance_branch'],
  },
  encounter_versions: {
    key: [
      ['encounter_id', 'uuid'],
      ['version', 'integer'],
    ],
    columns: ['subjective', 'objective', 'assessment', 'plan', 'reason'],
  },
  diagnoses: { key: [['id', 'uuid']], columns: ['code', 'name'] },
  observations: { key: [['id', 'uuid']], columns: ['display', 'value_text'] },
  medications: { key: [['id', 'uuid']], columns: ['display', 'code', 'dosage'] },
  break_glass: { key: [['id', 'uuid']], columns: ['reason'] },
  // A file's original name may name the patient or a condition.
  files: { key: [['id', 'uuid']], columns: ['file_name'] },
  prescriptions: { key: [['id', 'uuid']], columns: ['notes', 'cancel_reason'] },
  prescription_lines: {
    key: [
      ['prescription_id', 'uuid'],
      ['position', 'integer'],
    ],
    columns: ['name', 'code'],
  },
} as const satisfies {
  [T in keyof TenantDatabase]?: {
    key: readonly (readonly [keyof TenantDatabase[T] & string, 'uuid' | 'integer'])[];
    columns: readonly (keyof TenantDatabase[T] & string)[];
  };
};

export type EncryptedTable = keyof typeof ENCRYPTED_TABLES;

/**
 * Encrypted columns of the control schema, rows filtered by tenant: TOTP secrets
 * (modules/auth/mfa-service.ts seals them with the same cipher and table name).
 */
export const ENCRYPTED_CONTROL_COLUMNS = {
  users: { key: [['id', 'uuid']], columns: ['mfa_secret', 'mfa_pending_secret'] },
} as const;

/** The row id a table's values are bound to. */
export function rowIdOf(table: EncryptedTable, row: Record<string, unknown>): string {
  return ENCRYPTED_TABLES[table].key
    .map(([column]) => {
      const value = row[column];
      if (typeof value !== 'string' && typeof value !== 'number')
        throw new Error(`a ${table} row lacks its key column ${column}`);
      return String(value);
    })
    .join('/');
}

/** Purpose label of the insurance-number blind index (HMAC input prefix). */
export const INSURANCE_NUMBER_INDEX = 'patients.insurance_number';

/** The form the blind index is computed over: NFKC (full-width digits), no spaces or hyphens. */
export function normalizeInsuranceNumber(value: string): string {
  return value.normalize('NFKC').replace(/[\s\-‐‑‒–—―]/g, '');
}
