import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/config.js';
import { AwsKmsKeyProvider } from './keys/aws-kms-key-provider.js';
import { openDatabase, type Database } from './db/database.js';
import { FieldCipher } from './keys/field-cipher.js';
import { LocalKeyProvider, type KeyProvider } from './keys/key-provider.js';
import { openObjectStore, type ObjectStore } from './objects/index.js';
import { ClamdScanner } from './scanner/clamd-scanner.js';
import { NoScanner, type Scanner } from './scanner/scanner.js';
import { loadSigningKeys, type SigningKeys } from './keys/signing-keys.js';
import { openStore } from './store/index.js';
import type { Store } from './store/store.js';

export interface Platform {
  config: Config;
  db: Database;
  store: Store;
  keys: SigningKeys;
  keyProvider: KeyProvider;
  objects: ObjectStore;
  scanner: Scanner;
  /** Field encryption under per-tenant data keys; one per process, so its key cache is too. */
  cipher: FieldCipher;
  logger: FastifyBaseLogger;
  close(): Promise<void>;
}

/** Opens the outside world the config names: database (migrated), store, keys. */
export async function openPlatform(
  config: Config,
  options: { holder: string; logger: FastifyBaseLogger; inMemoryDatabase?: boolean },
): Promise<Platform> {
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    holder: options.holder,
    databaseCaFile: config.databaseCaFile,
    inMemory: options.inMemoryDatabase ?? false,
    appRole: config.databaseAppRole,
    poolSize: config.databasePoolSize,
  });
  try {
    await db.migrateControl();
    const store = await openStore(config.redisUrl, config.redisPrefix, config.redisCaFile);
    const keys = await loadSigningKeys(config.signingKeysFile, config.dataDir);
    const keyProvider = openKeyProvider(config);
    const objects = openObjectStore(config.objects, config.dataDir, config.publicUrl);
    return {
      config,
      db,
      store,
      keys,
      keyProvider,
      objects,
      scanner: openScanner(config),
      cipher: new FieldCipher(db.control, keyProvider),
      logger: options.logger,
      async close() {
        if (keyProvider instanceof AwsKmsKeyProvider) keyProvider.close();
        await store.close();
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** The key-encryption key's home: AWS KMS, or a local file (development; production refuses it). */
function openKeyProvider(config: Config): KeyProvider {
  if (config.kms !== null) return AwsKmsKeyProvider.open(config.kms);
  return LocalKeyProvider.open(config.dataDir);
}

/** clamd when configured; otherwise nothing is ever called clean and uploads stay quarantined. */
function openScanner(config: Config): Scanner {
  const { clamd, scanTimeoutMs, maxBytes } = config.files;
  return clamd === null
    ? new NoScanner()
    : new ClamdScanner(clamd, { timeoutMs: scanTimeoutMs, maxBytes });
}
