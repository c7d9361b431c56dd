import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeKms, TEST_AWS_ENV, type FakeKms } from '../support/kms-server.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { totpCode } from '../support/harness.js';

const PASSWORD = 'kms-demo-password-2026';
let kms: FakeKms;
let keyId: string;
let dataDir: string;
let server: ServerProcess | null = null;

beforeAll(async () => {
  kms = await startFakeKms();
  keyId = kms.createKey();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediconnect-kms-'));
});

afterAll(async () => {
  await server?.stop();
  await kms.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** The real server (src/main.ts) with the aws-kms provider pointed at the fake KMS. */
function startServer(): Promise<ServerProcess> {
  return startServerProcess({
    ...TEST_AWS_ENV,
    LOG_LEVEL: 'info',
    MEDICONNECT_DATA_DIR: dataDir,
    MEDICONNECT_DEMO: 'true',
    MEDICONNECT_DEMO_PASSWORD: PASSWORD,
    MEDICONNECT_KEY_PROVIDER: 'aws-kms',
    MEDICONNECT_KMS_KEY_ID: keyId,
    MEDICONNECT_KMS_REGION: kms.region,
    MEDICONNECT_KMS_ENDPOINT: kms.endpoint,
  });
}

async function post(
  url: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, string> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, string> };
}

function login(base: string) {
  return post(`${base}/api/v1/auth/login`, {
    tenant: 'demo',
    email: 'doctor@demo.example',
    password: PASSWORD,
  });
}

describe('the server with AWS KMS as key provider', () => {
  it('enrolls a doctor in MFA with the TOTP secret under a KMS data key, and verifies after a restart', async () => {
    server = await startServer();
    const first = await login(server.url);
    expect(first.json.status).toBe('mfa_enrollment_required');

    const enroll = await post(`${server.url}/api/v1/auth/mfa/totp/enroll`, {
      mfaToken: first.json.mfaToken,
    });
    const secret = enroll.json.secret ?? '';
    const confirm = await post(`${server.url}/api/v1/auth/mfa/totp/confirm`, {
      mfaToken: first.json.mfaToken,
      code: totpCode(secret),
    });
    expect(confirm.status).toBe(200);
    expect(confirm.json.status).toBe('ok');
    expect(kms.calls).toContainEqual({ target: 'GenerateDataKey', keyId });

    // A new process has no data key in memory: verifying the code needs KMS to unwrap it.
    const before = server.output();
    await server.stop();
    server = await startServer();
    const second = await login(server.url);
    expect(second.json.status).toBe('mfa_required');
    const verify = await post(`${server.url}/api/v1/auth/mfa/verify`, {
      mfaToken: second.json.mfaToken,
      code: totpCode(secret, Date.now() + 30_000),
    });

    expect(verify.status).toBe(200);
    expect(kms.calls).toContainEqual({ target: 'Decrypt', keyId });
    const output = before + server.output();
    expect(output).toContain('MediConnect is listening');
    expect(output).not.toContain(secret);
    for (const dataKey of kms.issued) {
      for (const encoding of ['base64', 'hex', 'base64url'] as const) {
        expect(output).not.toContain(dataKey.toString(encoding));
      }
    }
  }, 180_000);

  it('does not start when the KMS key id is missing, and says which variable', async () => {
    await expect(
      startServerProcess({
        ...TEST_AWS_ENV,
        MEDICONNECT_DATA_DIR: dataDir,
        MEDICONNECT_KEY_PROVIDER: 'aws-kms',
        MEDICONNECT_KMS_REGION: kms.region,
      }),
    ).rejects.toThrow(/MEDICONNECT_KMS_KEY_ID is required/);
  }, 60_000);
});
