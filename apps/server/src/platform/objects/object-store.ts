import type { Readable } from 'node:stream';

/**
 * Where an object lives. Uploads land in `quarantine` until the virus scanner has seen them,
 * then move to `clean` or `infected`; only `clean` objects are ever given a download URL.
 * Generated documents (prescription PDFs) are written straight to `clean`.
 */
export type ObjectArea = 'quarantine' | 'clean' | 'infected';

export interface ObjectMetadata {
  contentType: string;
}

/** A download link for one object, valid until `expiresAt`. */
export interface SignedUrl {
  url: string;
  expiresAt: Date;
}

export interface DownloadOptions {
  /** Offered to the browser as the attachment's name; never part of the storage key. */
  fileName: string;
  contentType: string;
  /** At most 15 minutes (SPEC §6). */
  expiresInSeconds: number;
}

/** SPEC §6: a download URL never outlives 15 minutes. */
export const MAX_URL_SECONDS = 15 * 60;

/**
 * Private object storage. Keys are chosen by MediConnect (random, never a user's file name):
 * `isObjectKey` is the only shape accepted, so no key can climb out of its area.
 */
export interface ObjectStore {
  readonly kind: 'local' | 's3';
  put(area: ObjectArea, key: string, body: Readable | Buffer, meta: ObjectMetadata): Promise<void>;
  get(area: ObjectArea, key: string): Promise<Readable>;
  /** Moves an object between areas (quarantine → clean or infected). */
  move(key: string, from: ObjectArea, to: ObjectArea): Promise<void>;
  /** Removes an object; removing one that is not there is not an error. */
  delete(area: ObjectArea, key: string): Promise<void>;
  exists(area: ObjectArea, key: string): Promise<boolean>;
  /** A GET URL for one clean object, expiring within 15 minutes. */
  signedDownloadUrl(key: string, options: DownloadOptions): Promise<SignedUrl>;
  ping(): Promise<void>;
}

const KEY_SHAPE = /^[a-z0-9]{1,40}(\/[a-z0-9-]{1,64}){1,3}$/;

/** `<tenant code>/<random id>` and similar: lowercase letters, digits, `-` and `/` only. */
export function isObjectKey(key: string): boolean {
  return KEY_SHAPE.test(key);
}

export class ObjectKeyError extends Error {
  constructor() {
    super('an object key has an unexpected shape');
    this.name = 'ObjectKeyError';
  }
}

export function assertObjectKey(key: string): void {
  if (!isObjectKey(key)) throw new ObjectKeyError();
}

export function clampExpiry(seconds: number): number {
  return Math.max(1, Math.min(MAX_URL_SECONDS, Math.floor(seconds)));
}

/** RFC 6266 with RFC 5987 encoding: any file name, always a download, no header injection. */
export function attachment(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
