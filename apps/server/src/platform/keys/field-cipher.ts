import type { Kysely } from 'kysely';
import type { ControlDatabase } from '../db/tables.js';
import type { KeyProvider } from './key-provider.js';
import { DecryptionError, KeyRing, type FieldContext } from './key-ring.js';

export { DecryptionError, ciphertextVersion, type FieldContext } from './key-ring.js';

const CACHE_LIMIT = 1000;
/**
 * How long an instance keeps writing under the data-key version it last looked up. A rotation
 * started elsewhere reaches every instance within this time; the re-encryption job waits
 * several times as long before its last sweep (rotation.ts).
 */
export const CURRENT_KEY_TTL_MS = 2_000;

export interface FieldCipherOptions {
  /** Unwrapped keys (data keys and index keys, all tenants) held in memory at most. */
  cacheLimit?: number;
}

/**
 * AES-256-GCM field encryption under per-tenant data keys, stored wrapped by the key provider
 * (envelope encryption); the associated data binds each value to tenant, table, column, row and
 * key version. Format: `mc1.<key version>.<nonce>.<ciphertext+tag>` (base64url parts).
 *
 * Unwrapped keys live only in a bounded in-memory cache of key rings (oldest tenant out first)
 * and are never logged. A ring is re-read after CURRENT_KEY_TTL_MS, unwrapping only versions it
 * did not hold, so a rotation elsewhere is seen quickly without asking the provider again.
 */
export class FieldCipher {
  private readonly rings = new Map<string, { ring: KeyRing; until: number }>();
  private readonly cacheLimit: number;

  constructor(
    private readonly control: Kysely<ControlDatabase>,
    private readonly provider: KeyProvider,
    options: FieldCipherOptions = {},
  ) {
    this.cacheLimit = options.cacheLimit ?? CACHE_LIMIT;
  }

  async encrypt(
    tenantId: string,
    context: FieldContext,
    plaintext: string,
    version?: number,
  ): Promise<string> {
    const ring = await this.keyRing(tenantId);
    if (version !== undefined && !ring.has(version)) {
      return (await this.keyRing(tenantId, true)).seal(context, plaintext, version);
    }
    return ring.seal(context, plaintext, version);
  }

  async decrypt(tenantId: string, context: FieldContext, stored: string): Promise<string> {
    return (await this.ringFor(tenantId, stored)).open(context, stored);
  }

  async blindIndex(tenantId: string, purpose: string, normalized: string): Promise<string> {
    return (await this.keyRing(tenantId)).blindIndex(purpose, normalized);
  }

  /**
   * The tenant's keys, from the cache while fresh. Creates the first data key and the index
   * key on first use. Must not run inside a transaction on the embedded database.
   */
  async keyRing(tenantId: string, refresh = false): Promise<KeyRing> {
    const hit = this.rings.get(tenantId);
    if (!refresh && hit !== undefined && hit.until > Date.now()) return hit.ring;
    let rows = await this.storedKeys(tenantId);
    if (rows.length === 0) {
      // The tenant's first data key; if another instance stored one first, that one is version 1.
      await this.createVersion(tenantId, 1);
      rows = await this.storedKeys(tenantId);
    }
    const keys = new Map<number, Buffer>();
    for (const row of rows) {
      const known = hit?.ring.keyOf(row.version);
      keys.set(
        row.version,
        known ??
          (await this.provider.unwrap({
            wrapped: Buffer.from(row.wrapped_key),
            kekId: row.kek_id,
          })),
      );
    }
    const newest = Math.max(...keys.keys());
    const ring = new KeyRing(tenantId, newest, keys, await this.indexKey(tenantId, hit?.ring));
    this.remember(tenantId, ring);
    return ring;
  }

  /** A ring that holds the version `stored` names, re-read once if the cached one does not. */
  async ringFor(tenantId: string, stored: string): Promise<KeyRing> {
    const ring = await this.keyRing(tenantId);
    const version = Number(stored.split('.')[1]);
    if (ring.has(version) || !Number.isInteger(version) || version <= ring.current) return ring;
    return this.keyRing(tenantId, true);
  }

  /** A ring from memory only (never the database): safe inside an embedded transaction. */
  cachedRing(tenantId: string): KeyRing | undefined {
    return this.rings.get(tenantId)?.ring;
  }

  /** Starts the next data-key version (DEK rotation); returns it. New writes move to it. */
  async startNextVersion(tenantId: string): Promise<number> {
    for (;;) {
      const rows = await this.storedKeys(tenantId);
      const next = Math.max(0, ...rows.map((row) => row.version)) + 1;
      if (await this.createVersion(tenantId, next)) {
        await this.keyRing(tenantId, true);
        return next;
      }
    }
  }

  /** How many unwrapped keys are held: never more than the cache limit. */
  cachedKeyCount(): number {
    let count = 0;
    for (const { ring } of this.rings.values()) count += ring.size;
    return count;
  }

  private storedKeys(tenantId: string) {
    return this.control
      .selectFrom('tenant_keys')
      .select(['version', 'wrapped_key', 'kek_id'])
      .where('tenant_id', '=', tenantId)
      .orderBy('version')
      .execute();
  }

  /** Stores version `version` unless it exists; true if this call created it. */
  private async createVersion(tenantId: string, version: number): Promise<boolean> {
    const { wrapped, kekId } = await this.provider.generateDataKey();
    const inserted = await this.control
      .insertInto('tenant_keys')
      .values({ tenant_id: tenantId, version, wrapped_key: wrapped, kek_id: kekId })
      .onConflict((oc) => oc.columns(['tenant_id', 'version']).doNothing())
      .returning('version')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  private async indexKey(tenantId: string, previous: KeyRing | undefined): Promise<Buffer> {
    const known = previous?.blindIndexKey();
    if (known !== undefined) return known;
    const stored = () =>
      this.control
        .selectFrom('tenant_index_keys')
        .select(['wrapped_key', 'kek_id'])
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst();
    let row = await stored();
    if (row === undefined) {
      const { wrapped, kekId } = await this.provider.generateDataKey();
      await this.control
        .insertInto('tenant_index_keys')
        .values({ tenant_id: tenantId, wrapped_key: wrapped, kek_id: kekId })
        .onConflict((oc) => oc.column('tenant_id').doNothing())
        .execute();
      // Whichever instance stored its key first, that key is the index key.
      row = await stored();
      if (row === undefined) throw new DecryptionError();
    }
    return this.provider.unwrap({ wrapped: Buffer.from(row.wrapped_key), kekId: row.kek_id });
  }

  /** Oldest tenant's ring out first (a Map keeps insertion order) until the keys fit the bound. */
  private remember(tenantId: string, ring: KeyRing): void {
    this.rings.delete(tenantId);
    this.rings.set(tenantId, { ring, until: Date.now() + CURRENT_KEY_TTL_MS });
    while (this.cachedKeyCount() > this.cacheLimit && this.rings.size > 1) {
      const oldest = this.rings.keys().next();
      if (oldest.done === true) break;
      this.rings.delete(oldest.value);
    }
  }
}
