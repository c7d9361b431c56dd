import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpsGet, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { makeTestCerts, type TestCerts } from '../support/test-certs.js';

let certs: TestCerts;
let server: ServerProcess;

beforeAll(async () => {
  certs = makeTestCerts();
  server = await startServerProcess(
    {
      MEDICONNECT_DATA_DIR: `${certs.dir}/data`,
      MEDICONNECT_DEMO: 'false',
      MEDICONNECT_TLS_CERT_FILE: certs.cert,
      MEDICONNECT_TLS_KEY_FILE: certs.key,
    },
    { caFile: certs.ca },
  );
}, 120_000);

afterAll(async () => {
  await server.stop();
  certs.remove();
});

describe('the API over HTTPS', () => {
  it('answers an HTTPS request from a client that trusts its CA', async () => {
    const response = await httpsGet(`${server.url}/readyz`, certs.ca);

    expect(server.url.startsWith('https://127.0.0.1:')).toBe(true);
    expect(response.status).toBe(200);
  });

  it('sends HSTS on every answer', async () => {
    const response = await httpsGet(`${server.url}/healthz`, certs.ca);

    expect(response.headers['strict-transport-security']).toBe(
      'max-age=31536000; includeSubDomains',
    );
  });

  it('refuses a client that does not trust its CA', async () => {
    await expect(httpsGet(`${server.url}/healthz`, certs.otherCa)).rejects.toMatchObject({
      code: expect.stringMatching(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED/) as string,
    });
  });

  it('serves nothing over plain HTTP on its port', async () => {
    const plain = server.url.replace('https://', 'http://');

    const outcome = await new Promise<string>((resolve) => {
      http
        .get(`${plain}/healthz`, (response) => {
          resolve(`answered ${String(response.statusCode)}`);
        })
        .on('error', (error: NodeJS.ErrnoException) => {
          resolve(error.code ?? 'error');
        });
    });

    // The TLS handshake fails on the plain bytes and the server drops the connection.
    expect(outcome).toBe('ECONNRESET');
  });
});
