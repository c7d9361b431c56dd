import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalObjectStore } from '../../src/platform/objects/index.js';
import { errorCode, startTestApp, type TestApp } from '../support/harness.js';

/** The local store's download URLs, tried from outside over HTTP as a link holder would. */
let t: TestApp;
let store: LocalObjectStore;

beforeAll(async () => {
  t = await startTestApp();
  if (!(t.objects instanceof LocalObjectStore)) throw new Error('expected the local store');
  store = t.objects;
});
afterAll(() => t.close());

async function storedPdf(): Promise<{ key: string; url: URL }> {
  const key = `demo/${crypto.randomUUID()}`;
  await store.put('clean', key, Buffer.from('%PDF-1.7 test'), { contentType: 'application/pdf' });
  const signed = await store.signedDownloadUrl(key, {
    fileName: '処方箋 2026.pdf',
    contentType: 'application/pdf',
    expiresInSeconds: 300,
  });
  return { key, url: new URL(signed.url) };
}

function get(url: URL) {
  return t.app.inject({ method: 'GET', url: url.pathname + url.search });
}

describe('signed download URLs of the local object store', () => {
  it('serves the object as an attachment that the browser must not sniff', async () => {
    const { url } = await storedPdf();

    const response = await get(url);

    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('%PDF-1.7 test');
    expect(response.headers['content-type']).toBe('application/pdf');
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="___ 2026.pdf"; filename*=UTF-8''${encodeURIComponent('処方箋 2026.pdf')}`,
    );
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('refuses the URL after it expires', async () => {
    const { key } = await storedPdf();
    const signed = await store.signedDownloadUrl(key, {
      fileName: 'a.pdf',
      contentType: 'application/pdf',
      expiresInSeconds: 1,
    });

    await new Promise((resolve) => setTimeout(resolve, 2100));
    const response = await get(new URL(signed.url));

    expect(response.statusCode).toBe(403);
    expect(errorCode(response)).toBe('signed_url_invalid');
  });

  it('refuses the URL when the object key is changed to another stored object', async () => {
    const first = await storedPdf();
    const second = await storedPdf();
    const forged = new URL(first.url);
    forged.pathname = `/objects/${second.key}`;

    const response = await get(forged);

    expect(response.statusCode).toBe(403);
    expect(errorCode(response)).toBe('signed_url_invalid');
  });

  it('refuses the URL when one character of the signature is changed', async () => {
    const { url } = await storedPdf();
    const signature = url.searchParams.get('signature') ?? '';
    const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
    url.searchParams.set('signature', flipped);

    const response = await get(url);

    expect(response.statusCode).toBe(403);
  });

  it.each([
    [
      'a later expiry',
      (url: URL) => {
        url.searchParams.set('expires', '9999999999');
      },
    ],
    [
      'another content type',
      (url: URL) => {
        url.searchParams.set('type', 'text/html');
      },
    ],
    [
      'another download name',
      (url: URL) => {
        url.searchParams.set('name', 'x.html');
      },
    ],
  ])('refuses the URL when it is given %s', async (_what, change) => {
    const { url } = await storedPdf();
    change(url);

    const response = await get(url);

    expect(response.statusCode).toBe(403);
  });

  it.each(['..%2Fkeys%2Fkek-1.bin', '../keys/kek-1.bin', 'demo/%2E%2E/%2E%2E/keys/kek-1.bin'])(
    'refuses the key %s, which tries to climb out of the store',
    async (key) => {
      const { url } = await storedPdf();

      const response = await t.app.inject({ method: 'GET', url: `/objects/${key}${url.search}` });

      expect([403, 404]).toContain(response.statusCode);
      expect(response.rawPayload.length).toBeLessThan(400);
    },
  );

  it('never serves an object that is still in quarantine', async () => {
    const key = `demo/${crypto.randomUUID()}`;
    await store.put('quarantine', key, Buffer.from('unscanned'), {
      contentType: 'application/pdf',
    });
    const signed = await store.signedDownloadUrl(key, {
      fileName: 'a.pdf',
      contentType: 'application/pdf',
      expiresInSeconds: 60,
    });

    const response = await get(new URL(signed.url));

    expect(response.statusCode).toBe(404);
    expect(response.body).not.toContain('unscanned');
  });

  it('reports the storage in readiness', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/readyz' });

    expect(response.json()).toMatchObject({ checks: { storage: 'ok' } });
  });
});
