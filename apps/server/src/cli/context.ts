import { createServices, type Services } from '../app.js';
import { loadConfig, type Config } from '../config/config.js';
import { createLogger } from '../http/logging.js';
import { openDatabase, type Database } from '../platform/db/database.js';
import { loadSigningKeys } from '../platform/keys/signing-keys.js';
import { openStore } from '../platform/store/index.js';

export interface CliContext {
  config: Config;
  db: Database;
  services: Services;
  close(): Promise<void>;
}

/** Opens the same database and services the server uses; the operator's commands call them. */
export async function openCli(): Promise<CliContext> {
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir,
    holder: 'the mediconnect command-line tool' });
  try {
    await db.migrateControl();
    const store = await openStore(config.redisUrl);
    const keys = await loadSigningKeys(config.signingKeysFile, config.dataDir);
    const services = createServices({ config, db, store, keys, logger: createLogger('silent') });
    await services.tenants.migrateAll();
    return {
      config, db, services,
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
