import crypto from 'node:crypto';
import path from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { fileTypeFromBuffer } from 'file-type';
import { UPLOAD_TYPES, type FilesConfig, type UploadType } from '../../config/files-config.js';
import { AppError, invalid } from '../../http/errors.js';
import type { ObjectStore } from '../../platform/objects/index.js';

/** Enough of the head of a file for file-type to recognise JPEG, PNG and PDF. */
const HEAD_BYTES = 4100;
const NAME_LIMIT = 120;

export interface StoredUpload {
  key: string;
  fileName: string;
  contentType: UploadType;
  sizeBytes: number;
  sha256: string;
}

/**
 * Streams one uploaded file into quarantine while hashing it and keeping its first bytes, then
 * checks it: not empty, within the size limit, and its magic bytes, declared type and extension
 * all agree. Anything refused — and any failure, a client going away included — removes what
 * was stored: no object outlives a refused or broken upload.
 */
export async function storeUpload(
  objects: ObjectStore,
  config: FilesConfig,
  key: string,
  upload: { file: Readable & { truncated?: boolean }; filename: string; mimetype: string },
): Promise<StoredUpload> {
  const inspector = new Inspector();
  // A client that goes away mid-upload fails the source; the failure must reach the store.
  upload.file.once('error', (error) => inspector.destroy(error));
  try {
    await objects.put('quarantine', key, upload.file.pipe(inspector), {
      contentType: 'application/octet-stream',
    });
    // The parser stops at the limit and marks the stream truncated rather than failing it.
    if (upload.file.truncated === true) {
      throw new AppError('payload_too_large', `Files may be at most ${config.maxBytes} bytes.`);
    }
    if (inspector.size === 0) throw invalid('/file', 'is empty');
    const fileName = cleanFileName(upload.filename);
    const contentType = await checkType(config, upload.mimetype, fileName, inspector.head());
    return {
      key,
      fileName,
      contentType,
      sizeBytes: inspector.size,
      sha256: inspector.digest(),
    };
  } catch (error) {
    await objects.delete('quarantine', key).catch(() => undefined);
    throw error;
  }
}

async function checkType(
  config: FilesConfig,
  declared: string,
  fileName: string,
  head: Buffer,
): Promise<UploadType> {
  const detected = await fileTypeFromBuffer(head);
  const type = config.allowedTypes.find((t) => t === declared);
  const extension = path.extname(fileName).slice(1).toLowerCase();
  const extensions: readonly string[] = type === undefined ? [] : UPLOAD_TYPES[type];
  if (type === undefined || detected?.mime !== type || !extensions.includes(extension)) {
    throw new AppError(
      'unsupported_media_type',
      `Upload ${config.allowedTypes.join(', ')} files whose content, type and extension agree.`,
    );
  }
  return type;
}

/**
 * The original name, kept as metadata only: the last path segment, NFC, without control
 * characters or characters that mean something to a shell or a header, at most 120 characters
 * with the extension kept.
 */
export function cleanFileName(raw: string): string {
  const base = raw.normalize('NFC').split(/[\\/]/).pop() ?? '';
  // Controls (NUL, newlines), quotes and the characters Windows refuses in names.
  const cleaned = base
    .replace(/[\p{Cc}\p{Cf}"<>|:*?]/gu, '_')
    .replace(/^[.\s]+/, '')
    .trim();
  // Cut by grapheme, so a character made of several code points is kept whole or not at all.
  const characters = graphemes(cleaned);
  if (characters.length <= NAME_LIMIT) return cleaned === '' ? 'file' : cleaned;
  const extension = path.extname(cleaned);
  const keep = NAME_LIMIT - graphemes(extension).length;
  return characters.slice(0, keep).join('') + extension;
}

function graphemes(text: string): string[] {
  return Array.from(
    new Intl.Segmenter('ja', { granularity: 'grapheme' }).segment(text),
    (s) => s.segment,
  );
}

/** Passes bytes through while counting, hashing and keeping the first few kilobytes. */
class Inspector extends Transform {
  size = 0;
  private readonly hash = crypto.createHash('sha256');
  private readonly first: Buffer[] = [];
  private firstLength = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    this.hash.update(chunk);
    if (this.firstLength < HEAD_BYTES) {
      this.first.push(chunk.subarray(0, HEAD_BYTES - this.firstLength));
      this.firstLength += Math.min(chunk.length, HEAD_BYTES - this.firstLength);
    }
    done(null, chunk);
  }

  head(): Buffer {
    return Buffer.concat(this.first);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}
