import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  assertObjectKey,
  clampExpiry,
  type DownloadOptions,
  type ObjectArea,
  type ObjectMetadata,
  type ObjectStore,
  type SignedUrl,
} from './object-store.js';

const URL_KEY_BYTES = 32;

/** What a signed local URL carries, besides the object key in its path. */
export interface SignedQuery {
  expires: number;
  name: string;
  type: string;
  signature: string;
}

/**
 * Objects in a folder under the data folder (the embedded default). Nothing is served from the
 * folder directly: the API signs GET URLs with an HMAC key kept beside the KEKs (mode 0600),
 * scoped to one object, its download name and type, and an expiry; `verify` checks them in
 * constant time. Writes go to a temporary file first and are renamed into place, so a failed
 * or aborted upload never leaves a half object under its key.
 */
export class LocalObjectStore implements ObjectStore {
  readonly kind = 'local';

  private constructor(
    private readonly root: string,
    private readonly urlKey: Buffer,
    private readonly publicUrl: string,
  ) {}

  static open(dataDir: string, publicUrl: string): LocalObjectStore {
    const root = path.join(dataDir, 'objects');
    for (const area of ['quarantine', 'clean', 'infected', 'tmp']) {
      fs.mkdirSync(path.join(root, area), { recursive: true, mode: 0o700 });
    }
    return new LocalObjectStore(root, readOrCreateUrlKey(dataDir), publicUrl.replace(/\/$/, ''));
  }

  // The content type travels in each signed URL instead of being kept beside the object.
  async put(
    area: ObjectArea,
    key: string,
    body: Readable | Buffer,
    _meta?: ObjectMetadata,
  ): Promise<void> {
    const target = this.file(area, key);
    const temporary = path.join(this.root, 'tmp', crypto.randomUUID());
    try {
      const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
      await pipeline(source, fs.createWriteStream(temporary, { mode: 0o600, flags: 'wx' }));
      await fs.promises.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      await fs.promises.rename(temporary, target);
    } catch (error) {
      await fs.promises.rm(temporary, { force: true });
      throw error;
    }
  }

  async get(area: ObjectArea, key: string): Promise<Readable> {
    // Open first, then stream from the handle: a missing object rejects here, where the caller
    // awaits, instead of erupting later on a stream nobody listens to yet (a scan job that lost
    // its race with another worker's move found the file gone between a check and the open).
    const handle = await fs.promises.open(this.file(area, key), 'r');
    return handle.createReadStream();
  }

  async move(key: string, from: ObjectArea, to: ObjectArea): Promise<void> {
    const target = this.file(to, key);
    await fs.promises.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    await fs.promises.rename(this.file(from, key), target);
  }

  async delete(area: ObjectArea, key: string): Promise<void> {
    await fs.promises.rm(this.file(area, key), { force: true });
  }

  async exists(area: ObjectArea, key: string): Promise<boolean> {
    try {
      await fs.promises.access(this.file(area, key));
      return true;
    } catch {
      return false;
    }
  }

  signedDownloadUrl(key: string, options: DownloadOptions): Promise<SignedUrl> {
    assertObjectKey(key);
    const expires = Math.floor(Date.now() / 1000) + clampExpiry(options.expiresInSeconds);
    const query = new URLSearchParams({
      expires: String(expires),
      name: options.fileName,
      type: options.contentType,
    });
    query.set('signature', this.sign(key, expires, options.fileName, options.contentType));
    return Promise.resolve({
      url: `${this.publicUrl}/objects/${key}?${query.toString()}`,
      expiresAt: new Date(expires * 1000),
    });
  }

  /**
   * Whether a presented URL was signed by this store for exactly this key, name and type, and has
   * not expired. Comparison is constant-time so the signature cannot be guessed byte by byte.
   */
  verify(key: string, query: SignedQuery, now = Date.now()): boolean {
    if (!Number.isInteger(query.expires) || query.expires * 1000 <= now) return false;
    const expected = Buffer.from(this.sign(key, query.expires, query.name, query.type));
    const given = Buffer.from(query.signature);
    return expected.length === given.length && crypto.timingSafeEqual(expected, given);
  }

  /** The clean object a verified URL names, as a stream. */
  openClean(key: string): Promise<Readable> {
    return this.get('clean', key);
  }

  async ping(): Promise<void> {
    await fs.promises.access(this.root, fs.constants.W_OK);
  }

  private sign(key: string, expires: number, name: string, type: string): string {
    // Length-prefixed fields: no two different (key, name, type) tuples sign the same bytes.
    const message = [key, String(expires), name, type].map((p) => `${p.length}:${p}`).join('|');
    return crypto.createHmac('sha256', this.urlKey).update(message).digest('base64url');
  }

  private file(area: ObjectArea, key: string): string {
    assertObjectKey(key);
    return path.join(this.root, area, ...key.split('/'));
  }
}

function readOrCreateUrlKey(dataDir: string): Buffer {
  const file = path.join(dataDir, 'keys', 'object-url.key');
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, crypto.randomBytes(URL_KEY_BYTES), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Already there (or another process created it first): use it.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const key = fs.readFileSync(file);
  if (key.length !== URL_KEY_BYTES) throw new Error('the object URL signing key file is damaged');
  return key;
}
