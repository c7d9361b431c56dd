import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** A data key as stored: wrapped, and the name of the key-encryption key (KEK) that wrapped it. */
export interface WrappedKey {
  wrapped: Buffer;
  kekId: string;
}

/**
 * Wraps and unwraps data keys with a key-encryption key that never leaves the provider.
 * `local` keeps KEKs in files in the data folder (one machine, development; production refuses
 * it); `aws-kms` asks AWS KMS. KEK rotation: `currentKekId()` names the KEK new keys are wrapped
 * under, and `rewrap` moves an existing data key under it.
 */
export interface KeyProvider {
  readonly kind: 'local' | 'aws-kms';
  currentKekId(): string;
  /** A fresh 256-bit data key, and the same key wrapped under the current KEK. */
  generateDataKey(): Promise<{ plaintext: Buffer } & WrappedKey>;
  unwrap(key: WrappedKey): Promise<Buffer>;
  /** The same data key, wrapped under the current KEK. */
  rewrap(key: WrappedKey): Promise<WrappedKey>;
}

const KEK_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const WRAP_AAD = Buffer.from('mediconnect:data-key:v1');
const KEK_FILE = /^kek-(\d+)\.bin$/;

/**
 * KEKs live in `<data>/keys/kek-<n>.bin` (mode 0600); the highest n wraps new keys. Older KEK
 * files stay until every data key has been rewrapped (`keys rotate-kek`), then may be removed.
 */
export class LocalKeyProvider implements KeyProvider {
  readonly kind = 'local';

  private constructor(
    private readonly dir: string,
    private readonly keks: Map<number, Buffer>,
  ) {}

  /** Reads the KEK files, creating the first (mode 0600) on first start. */
  static open(dataDir: string): LocalKeyProvider {
    const dir = path.join(dataDir, 'keys');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Before KEK versions existed, the one KEK was kek.bin: it is version 1.
    const legacy = path.join(dir, 'kek.bin');
    if (fs.existsSync(legacy) && !fs.existsSync(path.join(dir, 'kek-1.bin'))) {
      fs.renameSync(legacy, path.join(dir, 'kek-1.bin'));
    }
    const provider = new LocalKeyProvider(dir, readKeks(dir));
    if (provider.keks.size === 0) provider.createKek(1);
    return provider;
  }

  currentKekId(): string {
    return `local:${String(this.newest())}`;
  }

  /** Starts a new KEK; returns its id. Existing data keys keep unwrapping until rewrapped. */
  rotate(): string {
    this.createKek(this.newest() + 1);
    return this.currentKekId();
  }

  /** KEK ids no longer needed once every data key names the current one. */
  retiredKekIds(): string[] {
    const newest = this.newest();
    return [...this.keks.keys()].filter((n) => n !== newest).map((n) => `local:${String(n)}`);
  }

  generateDataKey(): Promise<{ plaintext: Buffer } & WrappedKey> {
    // A KEK rotated by the command-line tool while this process runs is used from now on.
    this.reload();
    const plaintext = crypto.randomBytes(32);
    return Promise.resolve({ plaintext, ...this.wrapUnder(this.newest(), plaintext) });
  }

  unwrap(key: WrappedKey): Promise<Buffer> {
    if (!this.keks.has(kekNumber(key.kekId))) this.reload();
    const kek = this.keks.get(kekNumber(key.kekId));
    if (kek === undefined) return Promise.reject(new Error('the key-encryption key is missing'));
    const nonce = key.wrapped.subarray(0, NONCE_BYTES);
    const tag = key.wrapped.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES);
    const body = key.wrapped.subarray(NONCE_BYTES + TAG_BYTES);
    const decipher = crypto.createDecipheriv('aes-256-gcm', kek, nonce).setAAD(WRAP_AAD);
    decipher.setAuthTag(tag);
    return Promise.resolve(Buffer.concat([decipher.update(body), decipher.final()]));
  }

  async rewrap(key: WrappedKey): Promise<WrappedKey> {
    const plaintext = await this.unwrap(key);
    return this.wrapUnder(this.newest(), plaintext);
  }

  /** The file holding a KEK (for the operator: which files a finished rotation lets go). */
  kekFile(kekId: string): string {
    return path.join(this.dir, `kek-${String(kekNumber(kekId))}.bin`);
  }

  private reload(): void {
    for (const [n, kek] of readKeks(this.dir)) this.keks.set(n, kek);
  }

  private wrapUnder(version: number, plaintext: Buffer): WrappedKey {
    const kek = this.keks.get(version);
    if (kek === undefined) throw new Error('the key-encryption key is missing');
    const nonce = crypto.randomBytes(NONCE_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', kek, nonce).setAAD(WRAP_AAD);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      wrapped: Buffer.concat([nonce, cipher.getAuthTag(), body]),
      kekId: `local:${String(version)}`,
    };
  }

  private newest(): number {
    return Math.max(...this.keks.keys());
  }

  private createKek(version: number): void {
    const file = path.join(this.dir, `kek-${String(version)}.bin`);
    try {
      fs.writeFileSync(file, crypto.randomBytes(KEK_BYTES), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another process created it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    for (const [n, kek] of readKeks(this.dir)) this.keks.set(n, kek);
  }
}

function readKeks(dir: string): Map<number, Buffer> {
  const keks = new Map<number, Buffer>();
  for (const name of fs.readdirSync(dir)) {
    const match = KEK_FILE.exec(name);
    if (match === null) continue;
    const kek = fs.readFileSync(path.join(dir, name));
    if (kek.length !== KEK_BYTES)
      throw new Error(`the local key-encryption key ${name} is damaged`);
    keks.set(Number(match[1]), kek);
  }
  return keks;
}

function kekNumber(kekId: string): number {
  const match = /^local:(\d+)$/.exec(kekId);
  return match === null ? -1 : Number(match[1]);
}
