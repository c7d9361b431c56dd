import {
  DecryptCommand,
  GenerateDataKeyCommand,
  KMSClient,
  KMSServiceException,
  ReEncryptCommand,
} from '@aws-sdk/client-kms';
import type { KmsConfig } from '../../config/config.js';
import type { KeyProvider, WrappedKey } from './key-provider.js';

/**
 * KMS binds each wrapped data key to this context (it is authenticated, not secret): a blob
 * wrapped by another application under the same KMS key does not unwrap here.
 */
const ENCRYPTION_CONTEXT = { purpose: 'mediconnect:data-key:v1' };

/**
 * A call to KMS that failed. Names the operation and KMS's error name only: the SDK's error
 * also carries the response (and, on some paths, request data), which must never reach a log.
 */
export class KeyProviderError extends Error {
  /** KMS's error name (AccessDeniedException, IncorrectKeyException…) or the SDK's. */
  readonly code: string;

  constructor(
    operation: string,
    code: string,
    readonly status: number | undefined,
  ) {
    super(`AWS KMS ${operation} failed (${code})`);
    // A KMS error name is a short identifier; anything else is not repeated.
    this.code = /^[A-Za-z0-9_.]{1,64}$/.test(code) ? code : 'KmsError';
    this.name = 'KeyProviderError';
  }
}

/**
 * Envelope encryption with AWS KMS (SPEC §2, §6): KMS generates each data key and keeps the
 * key-encryption key; only the wrapped form is stored. The KEK id is the configured key id or
 * ARN, so `currentKekId()` and the ids stored with data keys compare equal until the
 * configuration names another key, and `rewrap` (ReEncrypt, inside KMS) moves keys to it.
 * Credentials come from the SDK's default chain (environment, web identity, ECS/EC2 roles).
 */
export class AwsKmsKeyProvider implements KeyProvider {
  readonly kind = 'aws-kms';

  constructor(
    private readonly client: KMSClient,
    private readonly keyId: string,
  ) {}

  static open(config: KmsConfig): AwsKmsKeyProvider {
    const client = new KMSClient({
      region: config.region,
      ...(config.endpoint === null ? {} : { endpoint: config.endpoint }),
      maxAttempts: 3,
    });
    return new AwsKmsKeyProvider(client, config.keyId);
  }

  currentKekId(): string {
    return this.keyId;
  }

  async generateDataKey(): Promise<{ plaintext: Buffer } & WrappedKey> {
    const out = await this.call('GenerateDataKey', () =>
      this.client.send(
        new GenerateDataKeyCommand({
          KeyId: this.keyId,
          KeySpec: 'AES_256',
          EncryptionContext: ENCRYPTION_CONTEXT,
        }),
      ),
    );
    if (out.Plaintext?.length !== 32 || out.CiphertextBlob === undefined) {
      throw new KeyProviderError('GenerateDataKey', 'MalformedResponse', undefined);
    }
    return {
      plaintext: Buffer.from(out.Plaintext),
      wrapped: Buffer.from(out.CiphertextBlob),
      kekId: this.keyId,
    };
  }

  async unwrap(key: WrappedKey): Promise<Buffer> {
    // KeyId makes KMS refuse a blob wrapped under any other key (IncorrectKeyException).
    const out = await this.call('Decrypt', () =>
      this.client.send(
        new DecryptCommand({
          CiphertextBlob: key.wrapped,
          KeyId: key.kekId,
          EncryptionContext: ENCRYPTION_CONTEXT,
        }),
      ),
    );
    if (out.Plaintext?.length !== 32) {
      throw new KeyProviderError('Decrypt', 'MalformedResponse', undefined);
    }
    return Buffer.from(out.Plaintext);
  }

  async rewrap(key: WrappedKey): Promise<WrappedKey> {
    // ReEncrypt happens inside KMS: the data key never comes out in the clear.
    const out = await this.call('ReEncrypt', () =>
      this.client.send(
        new ReEncryptCommand({
          CiphertextBlob: key.wrapped,
          SourceKeyId: key.kekId,
          SourceEncryptionContext: ENCRYPTION_CONTEXT,
          DestinationKeyId: this.keyId,
          DestinationEncryptionContext: ENCRYPTION_CONTEXT,
        }),
      ),
    );
    if (out.CiphertextBlob === undefined) {
      throw new KeyProviderError('ReEncrypt', 'MalformedResponse', undefined);
    }
    return { wrapped: Buffer.from(out.CiphertextBlob), kekId: this.keyId };
  }

  close(): void {
    this.client.destroy();
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (error instanceof KMSServiceException) {
        throw new KeyProviderError(operation, error.name, error.$metadata.httpStatusCode);
      }
      // Network and credential failures: the SDK's error name (TimeoutError, CredentialsProviderError…).
      throw new KeyProviderError(
        operation,
        error instanceof Error ? error.name : 'Error',
        undefined,
      );
    }
  }
}
