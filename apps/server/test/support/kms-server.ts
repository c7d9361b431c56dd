import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small AWS KMS on 127.0.0.1 speaking the real wire protocol (AWS JSON 1.1, `X-Amz-Target:
 * TrentService.*`), so the adapter is tested through the real SDK: request signing, blob
 * encoding, error parsing. It keeps its own key material (never visible to the client) and,
 * like KMS, authenticates the encryption context and refuses a blob under another KeyId.
 * It checks that a SigV4 Authorization header for service `kms` is present; it does not
 * recompute the signature.
 */
export interface FakeKms {
  endpoint: string;
  region: string;
  /** Key ids the server holds; `createKey` adds one. */
  createKey(): string;
  /** Every data key it generated, to prove none of them reaches a log. */
  issued: Buffer[];
  /** Every call, in order: target and the KeyId(s) named. */
  calls: { target: string; keyId?: string }[];
  /** Makes the next call fail with this error type, and a body carrying `message`. */
  failNext(type: string, message: string): void;
  close(): Promise<void>;
}

const ACCOUNT = '111122223333';

export async function startFakeKms(region = 'ap-northeast-1'): Promise<FakeKms> {
  const keys = new Map<string, Buffer>();
  const calls: FakeKms['calls'] = [];
  const issued: Buffer[] = [];
  let failure: { type: string; message: string } | null = null;

  const arnOf = (id: string) => `arn:aws:kms:${region}:${ACCOUNT}:key/${id}`;
  const resolve = (keyId: unknown): string | null => {
    if (typeof keyId !== 'string') return null;
    const id = keyId.startsWith('arn:') ? (keyId.split('/').at(-1) ?? '') : keyId;
    return keys.has(id) ? id : null;
  };

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const reply = ([status, body]: Answer) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(body));
      };

      const target = request.headers['x-amz-target'];
      const auth = request.headers.authorization ?? '';
      const scope = new RegExp(
        `^AWS4-HMAC-SHA256 Credential=\\w+/\\d{8}/${region}/kms/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$`,
      );
      if (!scope.test(auth) || request.headers['x-amz-date'] === undefined) {
        reply(fail('MissingAuthenticationTokenException', 'missing or malformed SigV4 signature'));
        return;
      }
      if (request.headers['content-type'] !== 'application/x-amz-json-1.1') {
        reply(fail('SerializationException', 'wrong content type'));
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      const operation = typeof target === 'string' ? target.replace(/^TrentService\./, '') : '';
      calls.push({
        target: operation,
        keyId: (body.KeyId ?? body.DestinationKeyId) as string | undefined,
      });
      if (failure !== null) {
        const { type, message } = failure;
        failure = null;
        reply(fail(type, message));
        return;
      }
      reply(answer(operation, body));
    });
  });

  function answer(operation: string, body: Record<string, unknown>): Answer {
    const context = (name: string) => JSON.stringify(sorted(body[name]));

    switch (operation) {
      case 'GenerateDataKey':
      case 'Encrypt': {
        const id = resolve(body.KeyId);
        if (id === null) return fail('NotFoundException', 'key not found');
        if (operation === 'GenerateDataKey' && body.KeySpec !== 'AES_256') {
          return fail('ValidationException', 'KeySpec');
        }
        const plaintext =
          operation === 'Encrypt'
            ? Buffer.from(String(body.Plaintext), 'base64')
            : crypto.randomBytes(32);
        if (operation === 'GenerateDataKey') issued.push(plaintext);
        const blob = seal(id, keys.get(id) as Buffer, plaintext, context('EncryptionContext'));
        return ok({
          KeyId: arnOf(id),
          CiphertextBlob: blob.toString('base64'),
          ...(operation === 'GenerateDataKey' ? { Plaintext: plaintext.toString('base64') } : {}),
        });
      }
      case 'Decrypt': {
        const opened = open(body.CiphertextBlob, context('EncryptionContext'));
        if (opened === null) return fail('InvalidCiphertextException', 'cannot decrypt');
        if (body.KeyId !== undefined && resolve(body.KeyId) !== opened.id) {
          return fail('IncorrectKeyException', 'the blob was not encrypted under this key');
        }
        return ok({
          KeyId: arnOf(opened.id),
          Plaintext: opened.plaintext.toString('base64'),
          EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
        });
      }
      case 'ReEncrypt': {
        const opened = open(body.CiphertextBlob, context('SourceEncryptionContext'));
        if (opened === null) return fail('InvalidCiphertextException', 'cannot decrypt');
        if (body.SourceKeyId !== undefined && resolve(body.SourceKeyId) !== opened.id) {
          return fail('IncorrectKeyException', 'the blob was not encrypted under this key');
        }
        const to = resolve(body.DestinationKeyId);
        if (to === null) return fail('NotFoundException', 'key not found');
        const blob = seal(
          to,
          keys.get(to) as Buffer,
          opened.plaintext,
          context('DestinationEncryptionContext'),
        );
        return ok({
          KeyId: arnOf(to),
          SourceKeyId: arnOf(opened.id),
          CiphertextBlob: blob.toString('base64'),
        });
      }
      default:
        return fail('UnknownOperationException', 'unknown operation');
    }
  }

  /** Blob: key id length, key id, nonce, tag, ciphertext; the context is the AAD. */
  function seal(id: string, key: Buffer, plaintext: Buffer, aad: string): Buffer {
    const nonce = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', key, nonce).setAAD(Buffer.from(aad));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const idBytes = Buffer.from(id);
    return Buffer.concat([
      Buffer.from([idBytes.length]),
      idBytes,
      nonce,
      cipher.getAuthTag(),
      body,
    ]);
  }

  function open(blobText: unknown, aad: string): { id: string; plaintext: Buffer } | null {
    if (typeof blobText !== 'string') return null;
    const blob = Buffer.from(blobText, 'base64');
    const length = blob[0] ?? 0;
    const id = blob.subarray(1, 1 + length).toString();
    const key = keys.get(id);
    if (key === undefined) return null;
    const rest = blob.subarray(1 + length);
    try {
      const decipher = crypto
        .createDecipheriv('aes-256-gcm', key, rest.subarray(0, 12))
        .setAAD(Buffer.from(aad));
      decipher.setAuthTag(rest.subarray(12, 28));
      return {
        id,
        plaintext: Buffer.concat([decipher.update(rest.subarray(28)), decipher.final()]),
      };
    } catch {
      return null;
    }
  }

  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${String(port)}`,
    region,
    calls,
    issued,
    createKey() {
      const id = crypto.randomUUID();
      keys.set(id, crypto.randomBytes(32));
      return id;
    },
    failNext(type, message) {
      failure = { type, message };
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => {
          done();
        });
      }),
  };
}

type Answer = [number, Record<string, unknown>];

function ok(body: Record<string, unknown>): Answer {
  return [200, body];
}

function fail(type: string, message: string): Answer {
  return [400, { __type: type, message }];
}

function sorted(context: unknown): [string, unknown][] {
  if (context === null || typeof context !== 'object') return [];
  return Object.entries(context).sort(([a], [b]) => a.localeCompare(b));
}

/** Credentials for the SDK's environment provider: the chain stops there (no metadata calls). */
export const TEST_AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIDTESTMEDICONNECT',
  AWS_SECRET_ACCESS_KEY: 'test-secret-access-key-not-real',
  AWS_EC2_METADATA_DISABLED: 'true',
};
