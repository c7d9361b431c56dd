import { buildApp, createServices } from './app.js';
import { ConfigError, loadConfig } from './config/config.js';
import { seedDemoClinic } from './demo/seed.js';
import { createLogger } from './http/logging.js';
import { DataDirBusyError } from './platform/db/data-dir-lock.js';
import { openPlatform } from './platform/index.js';
import {
  clinicsWithLegacyPlaintext,
  encryptLegacyPlaintext,
  openRotation,
  startRotationWorker,
} from './platform/keys/encryption-jobs.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const platform = await openPlatform(config, { holder: 'the MediConnect server', logger });
  const services = createServices(platform);
  await services.tenants.migrateAll();
  // Short pauses between batches leave the (embedded, single-connection) database to requests.
  const rotation = openRotation(platform.db, platform.cipher, 'server', 20);
  if (config.legacyEncryption === 'start') {
    await encryptLegacyPlaintext(platform.db, rotation, logger);
  } else {
    const clinics = await clinicsWithLegacyPlaintext(platform.db);
    if (clinics > 0)
      logger.warn({ clinics }, 'plaintext from before field encryption: run keys encrypt-legacy');
  }
  if (config.demoSeed) await seedDemoClinic(services, config);

  const app = await buildApp(platform, services);
  const worker = startRotationWorker(rotation, logger);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await worker.stop();
    await app.close();
    await platform.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  await app.listen({ port: config.port, host: config.host });
  services.scans.start();
  logger.info(
    {
      port: config.port,
      https: config.tls !== null,
      database: platform.db.kind,
      store: platform.store.kind,
      storage: platform.objects.kind,
      scanner: platform.scanner.kind,
      keyProvider: platform.keyProvider.kind,
    },
    'MediConnect is listening',
  );
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DataDirBusyError) {
    process.stderr.write(`mediconnect: ${error.message}\n`);
  } else {
    process.stderr.write(
      `mediconnect: failed to start (${error instanceof Error ? error.name : 'error'})\n`,
    );
    if (error instanceof Error && error.stack !== undefined) {
      process.stderr.write(`${error.stack.split('\n').slice(1, 6).join('\n')}\n`);
    }
  }
  process.exit(1);
});
