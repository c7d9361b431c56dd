import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/platform/store/redis-store.js';
import { freePort } from '../support/server-process.js';
import { makeTestCerts, type TestCerts } from '../support/test-certs.js';

/**
 * rediss:// against a real Redis that this test starts on loopback with TLS only (no plain
 * port), so every successful command went over TLS. Debian's redis-server is built with TLS.
 */
let certs: TestCerts;
let redis: ChildProcess;
let port = 0;
let output = '';
const stores: RedisStore[] = [];

beforeAll(async () => {
  certs = makeTestCerts();
  port = await freePort();
  redis = spawn(
    'redis-server',
    [
      '--port',
      '0',
      '--tls-port',
      String(port),
      '--bind',
      '127.0.0.1 127.0.0.2',
      '--tls-cert-file',
      certs.cert,
      '--tls-key-file',
      certs.key,
      '--tls-ca-cert-file',
      certs.ca,
      '--tls-auth-clients',
      'no',
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  redis.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  redis.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const deadline = Date.now() + 10_000;
  while (!(await listening(port))) {
    if (redis.exitCode !== null || Date.now() > deadline)
      throw new Error(`redis-server did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close().catch(() => undefined)));
  redis.kill('SIGTERM');
  certs.remove();
});

function listening(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(p, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => {
      resolve(false);
    });
  });
}

async function connect(host: string, caFile: string): Promise<RedisStore> {
  const store = await RedisStore.connect(`rediss://${host}:${String(port)}`, 'tls-test:', caFile);
  stores.push(store);
  return store;
}

async function refusal(host: string, caFile: string): Promise<string> {
  const error = await connect(host, caFile).then(
    () => null,
    (e: unknown) => e as NodeJS.ErrnoException,
  );
  expect(error).not.toBeNull();
  return error?.code ?? error?.message ?? '';
}

describe('Redis over TLS (rediss://)', () => {
  it('stores and reads through a TLS-only Redis with the configured CA', async () => {
    const store = await connect('127.0.0.1', certs.ca);
    const key = crypto.randomUUID();

    await store.set(key, 'value', 60);

    expect(await store.get(key)).toBe('value');
  });

  it('checks the host name: localhost is in the certificate', async () => {
    const store = await connect('localhost', certs.ca);

    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('refuses a server whose certificate chains to another CA', async () => {
    expect(await refusal('127.0.0.1', certs.otherCa)).toMatch(
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER/,
    );
  });

  it('refuses a host name the certificate does not carry', async () => {
    expect(await refusal('127.0.0.2', certs.ca)).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });
});
