import { Writable } from 'node:stream';
import util from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, serializeError } from '../../src/http/logging.js';
import {
  AwsKmsKeyProvider,
  KeyProviderError,
} from '../../src/platform/keys/aws-kms-key-provider.js';
import { startFakeKms, TEST_AWS_ENV, type FakeKms } from '../support/kms-server.js';

let kms: FakeKms;
const savedEnv = { ...process.env };

beforeAll(async () => {
  // The SDK's default chain finds these first and never asks an instance-metadata service.
  Object.assign(process.env, TEST_AWS_ENV);
  kms = await startFakeKms();
});

afterAll(async () => {
  process.env = savedEnv;
  await kms.close();
});

function provider(keyId: string): AwsKmsKeyProvider {
  return AwsKmsKeyProvider.open({ keyId, region: kms.region, endpoint: kms.endpoint });
}

async function failureOf(work: Promise<unknown>): Promise<KeyProviderError> {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeyProviderError);
  return error as KeyProviderError;
}

describe('AWS KMS key provider', () => {
  it('generates a 256-bit data key that unwraps to the same key under the configured key id', async () => {
    const keyId = kms.createKey();
    const keys = provider(keyId);

    const generated = await keys.generateDataKey();
    const unwrapped = await keys.unwrap({ wrapped: generated.wrapped, kekId: generated.kekId });

    expect(generated.plaintext).toHaveLength(32);
    expect(generated.kekId).toBe(keyId);
    expect(keys.currentKekId()).toBe(keyId);
    expect(generated.wrapped.includes(generated.plaintext)).toBe(false);
    expect(unwrapped.equals(generated.plaintext)).toBe(true);
    expect(kms.calls.slice(-2)).toEqual([
      { target: 'GenerateDataKey', keyId },
      { target: 'Decrypt', keyId },
    ]);
  });

  it('rewraps a data key under the newly configured key without changing it', async () => {
    const oldKeyId = kms.createKey();
    const newKeyId = kms.createKey();
    const generated = await provider(oldKeyId).generateDataKey();
    const rotated = provider(newKeyId);

    const rewrapped = await rotated.rewrap({ wrapped: generated.wrapped, kekId: oldKeyId });

    expect(rewrapped.kekId).toBe(newKeyId);
    expect(kms.calls.at(-1)).toEqual({ target: 'ReEncrypt', keyId: newKeyId });
    expect((await rotated.unwrap(rewrapped)).equals(generated.plaintext)).toBe(true);
  });

  it('refuses a wrapped key presented under another key id', async () => {
    const keyId = kms.createKey();
    const otherKeyId = kms.createKey();
    const generated = await provider(keyId).generateDataKey();

    const error = await failureOf(
      provider(otherKeyId).unwrap({ wrapped: generated.wrapped, kekId: otherKeyId }),
    );

    expect(error.code).toBe('IncorrectKeyException');
  });

  it('refuses a wrapped key that was altered', async () => {
    const keys = provider(kms.createKey());
    const generated = await keys.generateDataKey();
    const altered = Buffer.from(generated.wrapped);
    altered[altered.length - 1] = (altered.at(-1) ?? 0) ^ 1;

    const error = await failureOf(keys.unwrap({ wrapped: altered, kekId: generated.kekId }));

    expect(error.code).toBe('InvalidCiphertextException');
  });

  it('reports a KMS refusal by its error name, without the response body', async () => {
    const keys = provider(kms.createKey());
    const bodyText = 'response-body-canary-7f3a';
    kms.failNext('AccessDeniedException', `${bodyText} is not authorized`);

    const error = await failureOf(keys.generateDataKey());
    const lines: string[] = [];
    const logger = createLogger(
      'info',
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      }),
    );
    logger.error({ err: error }, 'request error');

    expect(error.code).toBe('AccessDeniedException');
    expect(error.status).toBe(400);
    expect(lines.join('')).toContain('AccessDeniedException');
    for (const shown of [
      lines.join(''),
      util.inspect(error),
      JSON.stringify(serializeError(error)),
    ]) {
      expect(shown).not.toContain(bodyText);
    }
  });

  it('never puts a data key into its errors or log lines', async () => {
    const keys = provider(kms.createKey());
    const generated = await keys.generateDataKey();
    kms.failNext('KMSInternalException', 'internal');

    const error = await failureOf(
      keys.unwrap({ wrapped: generated.wrapped, kekId: generated.kekId }),
    );
    const shown = util.inspect(error, { depth: 10 }) + JSON.stringify(serializeError(error));

    for (const encoding of ['base64', 'hex', 'base64url'] as const) {
      expect(shown).not.toContain(generated.plaintext.toString(encoding));
    }
  });

  it('signs its requests: the KMS server refuses nothing for a missing signature', async () => {
    const keys = provider(kms.createKey());

    await keys.generateDataKey();

    // The fake answers MissingAuthenticationTokenException to an unsigned request; an
    // unsigned call from the adapter would have failed above.
    const unsigned = await fetch(kms.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'TrentService.GenerateDataKey',
      },
      body: '{}',
    });
    expect(unsigned.status).toBe(400);
    expect(await unsigned.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
  });
});
