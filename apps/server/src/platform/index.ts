import type { FastifyBaseLogger } from 'fastify';
import { ConfigError, type Config } from '../config/config.js';
import { openDatabase, type Database } from './db/database.js';
import { FieldCipher } from './keys/field-cipher.js';
import { LocalKeyProvider, type KeyProvider } from './keys/key-provider.js';
import { loadSigningKeys, type SigningKeys } from './keys/signing-keys.js';
import { openStore } from './store/index.js';
import type { Store } from './store/store.js';

export interface Platform {
  config: Config;
  db: Database;
  store: Store;
  keys: SigningKeys;
  keyProvider: KeyProvider;
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
    inMemory: options.inMemoryDatabase ?? false,
  });
  try {
    await db.migrateControl();
    const store = await openStore(config.redisUrl, config.redisPrefix);
    const keys = await loadSigningKeys(config.signingKeysFile, config.dataDir);
    const keyProvider = openKeyProvider(config);
    return {
      config,
      db,
      store,
      keys,
      keyProvider,
      cipher: new FieldCipher(db.control, keyProvider),
      logger: options.logger,
      async close() {
        await store.close();
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/**
 * The key-encryption key's home. Only the local file exists so far: production refuses it in
 * config, and `aws-kms` is refused here rather than quietly falling back to a file on disk.
 */
function openKeyProvider(config: Config): KeyProvider {
  // The AWS KMS adapter is not built yet (issue 5: envelope encryption with key rotation).
  if (config.keyProvider === 'aws-kms') {
    throw new ConfigError(['MEDICONNECT_KEY_PROVIDER=aws-kms is not available in this build yet']);
  }
  return LocalKeyProvider.open(config.dataDir);
}
