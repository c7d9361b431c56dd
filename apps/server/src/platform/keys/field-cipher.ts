import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { ControlDatabase } from '../db/tables.js';
import type { KeyProvider } from './key-provider.js';

/** Where a value lives: the ciphertext is bound to it and fails to decrypt anywhere else. */
export interface FieldContext {
  table: string;
  column: string;
  rowId: string;
}

export class DecryptionError extends Error {
  constructor() {
    // Names no data and no key: only that a stored value could not be opened.
    super('a stored value could not be decrypted');
    this.name = 'DecryptionError';
  }
}

const FORMAT = 'mc1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const CACHE_LIMIT = 1000;

/**
 * AES-256-GCM field encryption under a per-tenant data key, stored wrapped by the key provider
 * (envelope encryption). The associated data binds each value to tenant, table, column, row and
 * key version. Format: `mc1.<key version>.<nonce>.<ciphertext+tag>` (base64url parts).
 */
export class FieldCipher {
  private readonly keys = new Map<string, Buffer>();

  constructor(
    private readonly control: Kysely<ControlDatabase>,
    private readonly provider: KeyProvider,
  ) {}

  async encrypt(tenantId: string, context: FieldContext, plaintext: string): Promise<string> {
    const { version, key } = await this.currentKey(tenantId);
    const nonce = crypto.randomBytes(NONCE_BYTES);
    const cipher = crypto
      .createCipheriv('aes-256-gcm', key, nonce)
      .setAAD(aad(tenantId, context, version));
    const body = Buffer.concat([
      cipher.update(plaintext, 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return [FORMAT, String(version), nonce.toString('base64url'), body.toString('base64url')].join(
      '.',
    );
  }

  async decrypt(tenantId: string, context: FieldContext, stored: string): Promise<string> {
    const [format, versionText, nonceText, bodyText] = stored.split('.');
    const version = Number(versionText);
    if (
      format !== FORMAT ||
      !Number.isInteger(version) ||
      nonceText === undefined ||
      bodyText === undefined
    ) {
      throw new DecryptionError();
    }
    try {
      const key = await this.keyVersion(tenantId, version);
      const body = Buffer.from(bodyText, 'base64url');
      const decipher = crypto
        .createDecipheriv('aes-256-gcm', key, Buffer.from(nonceText, 'base64url'))
        .setAAD(aad(tenantId, context, version));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(body.subarray(0, body.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new DecryptionError();
    }
  }

  private async currentKey(tenantId: string): Promise<{ version: number; key: Buffer }> {
    const newest = await this.control
      .selectFrom('tenant_keys')
      .select('version')
      .where('tenant_id', '=', tenantId)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (newest !== undefined)
      return { version: newest.version, key: await this.keyVersion(tenantId, newest.version) };

    const { plaintext, wrapped, kekId } = await this.provider.generateDataKey();
    await this.control
      .insertInto('tenant_keys')
      .values({ tenant_id: tenantId, version: 1, wrapped_key: wrapped, kek_id: kekId })
      .onConflict((oc) => oc.columns(['tenant_id', 'version']).doNothing())
      .execute();
    // Another instance may have won the race: use whichever key was stored.
    return { version: 1, key: await this.keyVersion(tenantId, 1).catch(() => plaintext) };
  }

  private async keyVersion(tenantId: string, version: number): Promise<Buffer> {
    const cacheKey = `${tenantId}:${version}`;
    const cached = this.keys.get(cacheKey);
    if (cached !== undefined) return cached;
    const row = await this.control
      .selectFrom('tenant_keys')
      .select(['wrapped_key', 'kek_id'])
      .where('tenant_id', '=', tenantId)
      .where('version', '=', version)
      .executeTakeFirst();
    if (row === undefined) throw new DecryptionError();
    const key = await this.provider.unwrap({
      wrapped: Buffer.from(row.wrapped_key),
      kekId: row.kek_id,
    });
    if (this.keys.size >= CACHE_LIMIT) this.keys.delete(this.keys.keys().next().value ?? '');
    this.keys.set(cacheKey, key);
    return key;
  }
}

function aad(tenantId: string, context: FieldContext, version: number): Buffer {
  return Buffer.from(
    JSON.stringify([tenantId, context.table, context.column, context.rowId, version]),
    'utf8',
  );
}
