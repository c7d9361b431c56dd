import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Wraps and unwraps data keys with a key-encryption key (KEK) that never leaves the provider.
 * `local` keeps the KEK in a file in the data folder (one machine, development); production
 * refuses it and uses KMS (issue 5 adds that adapter).
 */
export interface KeyProvider {
  readonly kind: 'local' | 'kms';
  /** A fresh 256-bit data key, and the same key wrapped for storage. */
  generateDataKey(): Promise<{ plaintext: Buffer; wrapped: Buffer }>;
  unwrap(wrapped: Buffer): Promise<Buffer>;
}

const KEK_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const WRAP_AAD = Buffer.from('mediconnect:data-key:v1');

export class LocalKeyProvider implements KeyProvider {
  readonly kind = 'local';

  private constructor(private readonly kek: Buffer) {}

  /** Reads the KEK file, creating it (mode 0600) on first start. */
  static open(dataDir: string): LocalKeyProvider {
    const file = path.join(dataDir, 'keys', 'kek.bin');
    if (!fs.existsSync(file)) {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      try {
        fs.writeFileSync(file, crypto.randomBytes(KEK_BYTES), { mode: 0o600, flag: 'wx' });
      } catch (error) {
        // Another process created it first: use theirs.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    const kek = fs.readFileSync(file);
    if (kek.length !== KEK_BYTES) throw new Error('the local key-encryption key file is damaged');
    return new LocalKeyProvider(kek);
  }

  generateDataKey(): Promise<{ plaintext: Buffer; wrapped: Buffer }> {
    const plaintext = crypto.randomBytes(32);
    const nonce = crypto.randomBytes(NONCE_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.kek, nonce).setAAD(WRAP_AAD);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Promise.resolve({
      plaintext,
      wrapped: Buffer.concat([nonce, cipher.getAuthTag(), body]),
    });
  }

  unwrap(wrapped: Buffer): Promise<Buffer> {
    const nonce = wrapped.subarray(0, NONCE_BYTES);
    const tag = wrapped.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES);
    const body = wrapped.subarray(NONCE_BYTES + TAG_BYTES);
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.kek, nonce).setAAD(WRAP_AAD);
    decipher.setAuthTag(tag);
    return Promise.resolve(Buffer.concat([decipher.update(body), decipher.final()]));
  }
}
