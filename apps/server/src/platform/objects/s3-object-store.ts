import type { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  NotFound,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  assertObjectKey,
  attachment,
  clampExpiry,
  type DownloadOptions,
  type ObjectArea,
  type ObjectMetadata,
  type ObjectStore,
  type SignedUrl,
} from './object-store.js';

export interface S3Settings {
  /** Holds clean objects, the only ones ever given a download URL. */
  bucket: string;
  /** Holds quarantined and infected uploads, apart from anything downloadable. */
  quarantineBucket: string;
  region: string;
  /** For S3-compatible servers and VPC endpoints; null = AWS's own. */
  endpoint: string | null;
  forcePathStyle: boolean;
}

/**
 * Private S3 buckets (Block Public Access on; nothing public): uploads land in the quarantine
 * bucket and are copied to the clean bucket once scanned. Downloads are presigned GETs of at
 * most 15 minutes that force `attachment`.
 */
export class S3ObjectStore implements ObjectStore {
  readonly kind = 's3';
  private readonly client: S3Client;

  constructor(private readonly settings: S3Settings) {
    this.client = new S3Client({
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      ...(settings.endpoint === null ? {} : { endpoint: settings.endpoint }),
    });
  }

  async put(
    area: ObjectArea,
    key: string,
    body: Readable | Buffer,
    meta: ObjectMetadata,
  ): Promise<void> {
    // Multipart upload for streams of unknown length; an aborted stream aborts the upload, so
    // no partial object is left under the key.
    const upload = new Upload({
      client: this.client,
      params: { ...this.locate(area, key), Body: body, ContentType: meta.contentType },
    });
    await upload.done();
  }

  async get(area: ObjectArea, key: string): Promise<Readable> {
    const answer = await this.client.send(new GetObjectCommand(this.locate(area, key)));
    if (answer.Body === undefined) throw new Error('the object has no body');
    return answer.Body as Readable;
  }

  async move(key: string, from: ObjectArea, to: ObjectArea): Promise<void> {
    const source = this.locate(from, key);
    await this.client.send(
      new CopyObjectCommand({
        ...this.locate(to, key),
        CopySource: `${source.Bucket}/${encodeURI(source.Key)}`,
      }),
    );
    await this.client.send(new DeleteObjectCommand(source));
  }

  async delete(area: ObjectArea, key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand(this.locate(area, key)));
  }

  async exists(area: ObjectArea, key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand(this.locate(area, key)));
      return true;
    } catch (error) {
      if (error instanceof NotFound || (error as { name?: string }).name === 'NotFound') {
        return false;
      }
      throw error;
    }
  }

  async signedDownloadUrl(key: string, options: DownloadOptions): Promise<SignedUrl> {
    const expiresIn = clampExpiry(options.expiresInSeconds);
    // KNOWN GAP: S3 has no response override for X-Content-Type-Options; attachment forces download.
    const command = new GetObjectCommand({
      ...this.locate('clean', key),
      ResponseContentDisposition: attachment(options.fileName),
      ResponseContentType: options.contentType,
    });
    const url = await getSignedUrl(this.client, command, { expiresIn });
    return { url, expiresAt: new Date(Date.now() + expiresIn * 1000) };
  }

  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.settings.bucket }));
  }

  close(): void {
    this.client.destroy();
  }

  private locate(area: ObjectArea, key: string): { Bucket: string; Key: string } {
    assertObjectKey(key);
    const bucket = area === 'clean' ? this.settings.bucket : this.settings.quarantineBucket;
    return { Bucket: bucket, Key: `${area}/${key}` };
  }
}
