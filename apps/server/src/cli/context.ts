import { createServices, type Services } from '../app.js';
import { loadConfig, type Config } from '../config/config.js';
import { createLogger } from '../http/logging.js';
import type { Database } from '../platform/db/database.js';
import { openPlatform, type Platform } from '../platform/index.js';
import { encryptLegacyPlaintext, openRotation } from '../platform/keys/encryption-jobs.js';
import type { DataKeyRotation } from '../platform/keys/rotation.js';

export interface CliContext {
  config: Config;
  db: Database;
  platform: Platform;
  services: Services;
  rotation: DataKeyRotation;
  close(): Promise<void>;
}

/** Opens the same database and services the server uses; the operator's commands call them. */
export async function openCli(options: { migrateAll?: boolean } = {}): Promise<CliContext> {
  const config = loadConfig();
  const platform = await openPlatform(config, {
    holder: 'the mediconnect command-line tool',
    logger: createLogger('silent'),
  });
  try {
    const services = createServices(platform);
    if (options.migrateAll !== false) await services.tenants.migrateAll();
    const rotation = openRotation(platform.db, platform.cipher, 'cli');
    // Commands read and write encrypted fields: plaintext from before is encrypted first.
    if (config.legacyEncryption === 'start' && options.migrateAll !== false)
      await encryptLegacyPlaintext(platform.db, rotation, platform.logger);
    return {
      config,
      db: platform.db,
      platform,
      services,
      rotation,
      close: () => platform.close(),
    };
  } catch (error) {
    await platform.close();
    throw error;
  }
}
