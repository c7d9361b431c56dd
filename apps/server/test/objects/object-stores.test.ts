import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LocalObjectStore,
  ObjectKeyError,
  type ObjectStore,
} from '../../src/platform/objects/index.js';
import { S3ObjectStore } from '../../src/platform/objects/s3-object-store.js';

/**
 * The same behaviour from both adapters: the local folder (embedded default) and S3 through the
 * real AWS SDK, against an S3-compatible server started here on loopback.
 */
const BUCKET = 'mc-clean';
const QUARANTINE = 'mc-quarantine';

let s3server: S3rver;
let s3Endpoint: string;
const folders: string[] = [];

beforeAll(async () => {
  const directory = tempDir();
  s3server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: BUCKET }, { name: QUARANTINE }],
  });
  const { port } = (await s3server.run()) as { port: number };
  s3Endpoint = `http://127.0.0.1:${String(port)}`;
  // s3rver's fixed credentials; the SDK reads them like any others from the environment.
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
});

afterAll(async () => {
  await s3server.close();
  for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
});

function tempDir(): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mediconnect-objects-'));
  folders.push(folder);
  return folder;
}

const adapters: { name: string; open(): ObjectStore }[] = [
  { name: 'local folder', open: () => LocalObjectStore.open(tempDir(), 'http://localhost:8080') },
  {
    name: 'S3 (real SDK, S3-compatible server on loopback)',
    open: () =>
      new S3ObjectStore({
        bucket: BUCKET,
        quarantineBucket: QUARANTINE,
        region: 'ap-northeast-1',
        endpoint: s3Endpoint,
        forcePathStyle: true,
      }),
  },
];

function newKey(): string {
  return `t${crypto.randomBytes(4).toString('hex')}/${crypto.randomUUID()}`;
}

describe.each(adapters)('object store: $name', (adapter) => {
  it('stores a stream and reads back the same bytes', async () => {
    const store = adapter.open();
    const key = newKey();
    const content = crypto.randomBytes(300_000);

    await store.put('quarantine', key, Readable.from([content]), { contentType: 'image/png' });

    expect(await buffer(await store.get('quarantine', key))).toEqual(content);
  });

  it('moves an object from quarantine to clean, leaving nothing behind', async () => {
    const store = adapter.open();
    const key = newKey();
    await store.put('quarantine', key, Buffer.from('scanned'), { contentType: 'text/plain' });

    await store.move(key, 'quarantine', 'clean');

    expect(await store.exists('quarantine', key)).toBe(false);
    expect((await buffer(await store.get('clean', key))).toString()).toBe('scanned');
  });

  it('keeps areas apart: a quarantined object is not in the clean area', async () => {
    const store = adapter.open();
    const key = newKey();

    await store.put('quarantine', key, Buffer.from('unscanned'), { contentType: 'text/plain' });

    expect(await store.exists('clean', key)).toBe(false);
  });

  it('deletes an object, and deleting a missing one is not an error', async () => {
    const store = adapter.open();
    const key = newKey();
    await store.put('clean', key, Buffer.from('x'), { contentType: 'text/plain' });

    await store.delete('clean', key);
    await store.delete('clean', key);

    expect(await store.exists('clean', key)).toBe(false);
  });

  it('leaves no object when the upload stream fails midway', async () => {
    const store = adapter.open();
    const key = newKey();
    const failing = new Readable({
      read() {
        this.push(crypto.randomBytes(64 * 1024));
        this.destroy(new Error('client went away'));
      },
    });

    await expect(
      store.put('quarantine', key, failing, { contentType: 'image/png' }),
    ).rejects.toThrow();

    expect(await store.exists('quarantine', key)).toBe(false);
  });

  it.each(['../escape', 'a/../../b', 'UPPER/case', 'a//b', '/abs/path', 'a/b\u0000c'])(
    'refuses the object key %j',
    async (key) => {
      const store = adapter.open();

      await expect(
        store.put('clean', key, Buffer.from('x'), { contentType: 'text/plain' }),
      ).rejects.toBeInstanceOf(ObjectKeyError);
    },
  );

  it('signs download URLs that expire within 15 minutes, even when asked for longer', async () => {
    const store = adapter.open();
    const key = newKey();
    await store.put('clean', key, Buffer.from('pdf'), { contentType: 'application/pdf' });

    const signed = await store.signedDownloadUrl(key, {
      fileName: '処方箋.pdf',
      contentType: 'application/pdf',
      expiresInSeconds: 3600,
    });

    expect(signed.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(15 * 60 * 1000);
    expect(signed.url).not.toContain('処方箋');
  });

  it('answers ping while the storage is reachable', async () => {
    await expect(adapter.open().ping()).resolves.toBeUndefined();
  });
});

describe('S3 presigned URLs', () => {
  function s3(): S3ObjectStore {
    return new S3ObjectStore({
      bucket: BUCKET,
      quarantineBucket: QUARANTINE,
      region: 'ap-northeast-1',
      endpoint: s3Endpoint,
      forcePathStyle: true,
    });
  }

  it('downloads a clean object as an attachment through its presigned URL', async () => {
    const store = s3();
    const key = newKey();
    await store.put('clean', key, Buffer.from('%PDF-1.7'), { contentType: 'application/pdf' });
    const signed = await store.signedDownloadUrl(key, {
      fileName: 'rx.pdf',
      contentType: 'application/pdf',
      expiresInSeconds: 60,
    });

    const response = await fetch(signed.url);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(await response.text()).toBe('%PDF-1.7');
  });

  it('refuses the presigned URL once it has expired', async () => {
    const store = s3();
    const key = newKey();
    await store.put('clean', key, Buffer.from('%PDF-1.7'), { contentType: 'application/pdf' });
    const signed = await store.signedDownloadUrl(key, {
      fileName: 'rx.pdf',
      contentType: 'application/pdf',
      expiresInSeconds: 1,
    });

    await new Promise((resolve) => setTimeout(resolve, 2100));
    const response = await fetch(signed.url);

    expect(response.status).toBe(403);
  });

  it('never signs a URL into the quarantine bucket', async () => {
    const store = s3();
    const key = newKey();
    await store.put('quarantine', key, Buffer.from('EICAR?'), { contentType: 'application/pdf' });
    const signed = await store.signedDownloadUrl(key, {
      fileName: 'x.pdf',
      contentType: 'application/pdf',
      expiresInSeconds: 60,
    });

    expect(signed.url).toContain(`/${BUCKET}/clean/`);
    expect((await fetch(signed.url)).status).toBe(404);
  });
});
