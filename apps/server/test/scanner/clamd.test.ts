import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClamdScanner } from '../../src/platform/scanner/clamd-scanner.js';
import { NoScanner, ScannerUnavailableError } from '../../src/platform/scanner/scanner.js';
import { EICAR, clamdAvailable, startClamd, type RunningClamd } from '../support/clamd.js';

function stream(...parts: (string | Buffer)[]): Readable {
  return Readable.from(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
}

describe.skipIf(!clamdAvailable)('the clamd scanner, against a real clamd', () => {
  let clamd: RunningClamd;
  beforeAll(async () => {
    clamd = await startClamd();
  }, 90_000);
  afterAll(() => clamd.stop());

  it('finds the EICAR test string', async () => {
    const verdict = await clamd.scanner().scan(stream(EICAR));

    expect(verdict).toEqual({ status: 'infected', signature: 'MediConnect.Test.EICAR.UNOFFICIAL' });
  });

  it('finds the EICAR string inside a PDF', async () => {
    const pdf = `%PDF-1.4\n1 0 obj\n<< /Length 68 >>\nstream\n${EICAR}\nendstream\nendobj\n%%EOF\n`;

    const verdict = await clamd.scanner().scan(stream(pdf));

    expect(verdict.status).toBe('infected');
  });

  it('passes a clean file sent in many small chunks', async () => {
    const parts = Array.from({ length: 50 }, (_, i) => Buffer.alloc(10_000, i));

    expect(await clamd.scanner().scan(stream(...parts))).toEqual({ status: 'clean' });
  });

  it('passes an empty file', async () => {
    expect(await clamd.scanner().scan(stream())).toEqual({ status: 'clean' });
  });

  it('gives no verdict for content over its limit', async () => {
    const scan = clamd.scanner({ maxBytes: 1000 }).scan(stream(Buffer.alloc(5000)));

    await expect(scan).rejects.toBeInstanceOf(ScannerUnavailableError);
  });
});

describe('the clamd scanner when clamd cannot answer', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediconnect-noclamd-'));
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives no verdict when nothing listens on the socket', async () => {
    const scanner = new ClamdScanner(
      { path: path.join(dir, 'missing.sock') },
      { timeoutMs: 1000, maxBytes: 1000 },
    );

    await expect(scanner.scan(stream('hello'))).rejects.toBeInstanceOf(ScannerUnavailableError);
  });

  it('gives no verdict when clamd accepts but never answers', async () => {
    const silent = net.createServer(() => undefined);
    const socketPath = path.join(dir, 'silent.sock');
    await new Promise<void>((resolve) => silent.listen(socketPath, resolve));
    const scanner = new ClamdScanner({ path: socketPath }, { timeoutMs: 300, maxBytes: 1000 });

    const scan = scanner.scan(stream('hello'));

    await expect(scan).rejects.toThrow(/in time/);
    silent.close();
  });

  it('never calls anything clean without a scanner', async () => {
    await expect(new NoScanner().scan(stream('x'))).rejects.toBeInstanceOf(ScannerUnavailableError);
  });
});
