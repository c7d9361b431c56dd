import type { TenantDb } from '../db/database.js';
import {
  ENCRYPTED_TABLES,
  INSURANCE_NUMBER_INDEX,
  normalizeInsuranceNumber,
  rowIdOf,
  type EncryptedTable,
} from './encrypted-fields.js';
import type { FieldCipher } from './field-cipher.js';
import { ciphertextVersion, DecryptionError, type KeyRing } from './key-ring.js';

/**
 * One tenant's view of field encryption, for repositories: `seal` before a write, `open` after
 * a read. Which columns are encrypted comes from ENCRYPTED_TABLES only, so a repository never
 * chooses (or forgets) a column, and what leaves `open` is never ciphertext.
 *
 * The tenant handle preloads the key ring before each transaction: inside it, sealing and
 * opening need no key lookup (on the embedded database a lookup there would wait forever).
 */
export class TenantFields {
  private ring: KeyRing | null = null;

  constructor(
    private readonly cipher: FieldCipher,
    readonly tenantId: string,
    /** PostgreSQL has a pool: a key lookup may run beside an open transaction. */
    private readonly lookupsBesideTransactions: boolean,
  ) {}

  /** Fetches (or refreshes) the tenant's keys; called outside any transaction. */
  async preload(): Promise<void> {
    this.ring = await this.cipher.keyRing(this.tenantId);
  }

  /** The values with every encrypted column they carry encrypted (nulls stay null). */
  async seal<V extends object>(table: EncryptedTable, rowId: string, values: V): Promise<V> {
    const ring = this.ring ?? (await this.cipher.keyRing(this.tenantId));
    const sealed = { ...values } as Record<string, unknown>;
    for (const column of ENCRYPTED_TABLES[table].columns) {
      const value = sealed[column];
      if (typeof value === 'string') sealed[column] = ring.seal({ table, column, rowId }, value);
    }
    return sealed as V;
  }

  /** A row read from `table` with its encrypted columns decrypted; the row id comes from it. */
  async open<R extends object>(table: EncryptedTable, row: R, rowId?: string): Promise<R> {
    const id = rowId ?? rowIdOf(table, row as Record<string, unknown>);
    const opened = { ...row } as Record<string, unknown>;
    for (const column of ENCRYPTED_TABLES[table].columns) {
      const value = opened[column];
      if (typeof value !== 'string') continue;
      const ring = await this.ringHolding(value);
      opened[column] = ring.open({ table, column, rowId: id }, value);
    }
    return opened as R;
  }

  async openAll<R extends object>(table: EncryptedTable, rows: R[]): Promise<R[]> {
    return Promise.all(rows.map((row) => this.open(table, row)));
  }

  /** The blind index of an insurance number (exact match only), or null without one. */
  async insuranceNumberIndex(number: string | null): Promise<string | null> {
    if (number === null) return null;
    const ring = this.ring ?? (await this.cipher.keyRing(this.tenantId));
    return ring.blindIndex(INSURANCE_NUMBER_INDEX, normalizeInsuranceNumber(number));
  }

  /**
   * A keyed digest (HMAC under the index key) for change detection: a plain hash of a mapped
   * row would let anyone with the database test guesses of the encrypted values in it.
   */
  async digest(purpose: string, text: string): Promise<string> {
    const ring = this.ring ?? (await this.cipher.keyRing(this.tenantId));
    return ring.blindIndex(purpose, text);
  }

  /**
   * A ring with the key `stored` names. A version newer than the preloaded ring (a rotation
   * that started meanwhile) is looked for in memory, then in the database where that is safe.
   */
  private async ringHolding(stored: string): Promise<KeyRing> {
    const version = ciphertextVersion(stored);
    if (this.ring === null) return this.cipher.ringFor(this.tenantId, stored);
    if (version === null || this.ring.has(version)) return this.ring;
    const cached = this.cipher.cachedRing(this.tenantId);
    if (cached?.has(version) === true) return cached;
    if (!this.lookupsBesideTransactions) throw new DecryptionError();
    return this.cipher.ringFor(this.tenantId, stored);
  }
}

/** A tenant's database handle with its field encryption: what repositories work with. */
export interface TenantHandle extends TenantDb {
  readonly fields: TenantFields;
}
