import crypto from 'node:crypto';

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

/** `mc1.<version>.…` → the data-key version, or null for anything else (plaintext). */
export function ciphertextVersion(stored: string): number | null {
  const match = /^mc1\.(\d{1,9})\./.exec(stored);
  return match === null ? null : Number(match[1]);
}

/**
 * One tenant's unwrapped keys at one moment: every data-key version, which one new values use,
 * and the blind-index key. Synchronous, so it can be used inside a transaction without a
 * database lookup (the embedded database has one connection: a lookup there would wait forever).
 */
export class KeyRing {
  constructor(
    readonly tenantId: string,
    readonly current: number,
    private readonly keys: ReadonlyMap<number, Buffer>,
    private readonly indexKey: Buffer,
  ) {}

  get size(): number {
    return this.keys.size + 1;
  }

  has(version: number): boolean {
    return this.keys.has(version);
  }

  blindIndexKey(): Buffer {
    return this.indexKey;
  }

  keyOf(version: number): Buffer | undefined {
    return this.keys.get(version);
  }

  /** AES-256-GCM under `version` (default: current); a fresh random 96-bit nonce per value. */
  seal(context: FieldContext, plaintext: string, version = this.current): string {
    const key = this.keys.get(version);
    if (key === undefined) throw new Error('no data key of that version');
    const nonce = crypto.randomBytes(NONCE_BYTES);
    const cipher = crypto
      .createCipheriv('aes-256-gcm', key, nonce)
      .setAAD(aad(this.tenantId, context, version));
    const body = Buffer.concat([
      cipher.update(plaintext, 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return [FORMAT, String(version), nonce.toString('base64url'), body.toString('base64url')].join(
      '.',
    );
  }

  open(context: FieldContext, stored: string): string {
    const [format, versionText, nonceText, bodyText] = stored.split('.');
    const version = Number(versionText);
    const key = this.keys.get(version);
    if (format !== FORMAT || key === undefined || nonceText === undefined || bodyText === undefined)
      throw new DecryptionError();
    try {
      const body = Buffer.from(bodyText, 'base64url');
      const decipher = crypto
        .createDecipheriv('aes-256-gcm', key, Buffer.from(nonceText, 'base64url'))
        .setAAD(aad(this.tenantId, context, version));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(body.subarray(0, body.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new DecryptionError();
    }
  }

  /** HMAC-SHA256 under the index key (never a data key) over purpose and normalized value. */
  blindIndex(purpose: string, normalized: string): string {
    return crypto
      .createHmac('sha256', this.indexKey)
      .update(`${purpose}\0${normalized}`)
      .digest('base64url');
  }
}

/** The associated data: tenant, table, column, row and key version. */
function aad(tenantId: string, context: FieldContext, version: number): Buffer {
  return Buffer.from(
    JSON.stringify([tenantId, context.table, context.column, context.rowId, version]),
    'utf8',
  );
}
