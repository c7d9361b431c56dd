import crypto from 'node:crypto';
import os from 'node:os';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../db/database.js';
import { DataKeyRotation, type RotationTenant } from './rotation.js';
import type { FieldCipher } from './field-cipher.js';

/** Names this process in job leases: host, pid and a random part (pids repeat across hosts). */
export function leaseHolder(role: string): string {
  return `${role}@${os.hostname()}:${String(process.pid)}:${crypto.randomBytes(4).toString('hex')}`;
}

export function openRotation(db: Database, cipher: FieldCipher, role: string, pauseMs?: number) {
  return new DataKeyRotation(
    db,
    cipher,
    leaseHolder(role),
    pauseMs === undefined ? {} : { pauseMs },
  );
}

/**
 * Values stored before field encryption existed are plaintext (tenant migration 5 marks such
 * schemas). They are encrypted here, at start, before anything is served: reads never accept
 * plaintext, so nothing runs on it "for now". Resumable like any rotation job.
 */
export async function encryptLegacyPlaintext(
  db: Database,
  rotation: DataKeyRotation,
  logger: FastifyBaseLogger,
  /** Only these tenants (default: all, which start-up has just migrated). */
  only?: string[],
): Promise<void> {
  let select = db.control.selectFrom('tenants').select(['id', 'schema_name']);
  if (only !== undefined) select = select.where('id', 'in', only);
  const tenants = await select.execute();
  for (const row of tenants) {
    const tenant: RotationTenant = { id: row.id, schemaName: row.schema_name };
    const handle = db.forTenant(tenant.id, tenant.schemaName);
    const marker = await handle.db.selectFrom('encryption_backfill').select('marked_at').execute();
    if (marker.length === 0) continue;
    try {
      const job = await rotation.job(tenant.id);
      if (job?.finished_at !== null || job.reason !== 'legacy')
        await rotation.enqueueLegacy(tenant);
      const report = await rotation.runToEnd(tenant);
      logger.info(
        { tenantId: tenant.id, converted: report.converted, failed: report.failed },
        'legacy plaintext encrypted',
      );
      await handle.db.deleteFrom('encryption_backfill').execute();
    } catch (error) {
      // One clinic whose keys cannot be opened must not keep the others from starting; its
      // plaintext stays unreadable (500) and the next start tries again.
      logger.error({ tenantId: tenant.id, err: error }, 'legacy plaintext could not be encrypted');
    }
  }
}

/** Clinics still marked as holding plaintext from before field encryption. */
export async function clinicsWithLegacyPlaintext(db: Database): Promise<number> {
  let count = 0;
  const tenants = await db.control.selectFrom('tenants').select(['id', 'schema_name']).execute();
  for (const row of tenants) {
    const handle = db.forTenant(row.id, row.schema_name);
    const marker = await handle.db.selectFrom('encryption_backfill').select('marked_at').execute();
    if (marker.length > 0) count += 1;
  }
  return count;
}

/**
 * Works unfinished re-encryption jobs in the background of a running server, so a DEK rotation
 * proceeds while the API serves. Each job has one worker at a time across all instances (a
 * lease); batches are short transactions with a pause between them.
 */
export function startRotationWorker(
  rotation: DataKeyRotation,
  logger: FastifyBaseLogger,
  intervalMs = 10_000,
): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const tick = () => {
    running ??= work().finally(() => (running = null));
  };
  const work = async () => {
    try {
      for (const tenant of await rotation.pending()) {
        const report = await rotation.run(tenant);
        if (report.state === 'finished')
          logger.info(
            {
              tenantId: tenant.id,
              keyVersion: report.targetVersion,
              converted: report.converted,
              failed: report.failed,
            },
            'data-key rotation finished',
          );
      }
    } catch (error) {
      logger.error({ err: error }, 'data-key rotation worker failed; retrying later');
    }
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();
  return {
    async stop() {
      clearInterval(timer);
      rotation.stop();
      await running;
    },
  };
}
