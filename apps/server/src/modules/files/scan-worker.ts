import type { FastifyBaseLogger } from 'fastify';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { TenantDb } from '../../platform/db/database.js';
import type { ObjectArea, ObjectStore } from '../../platform/objects/index.js';
import type { FilesTable, TenantDatabase } from '../../platform/db/tables.js';
import {
  ScannerUnavailableError,
  type ScanVerdict,
  type Scanner,
} from '../../platform/scanner/scanner.js';
import { recordAudit } from '../audit/service.js';
import type { TenantService } from '../tenants/service.js';

/** Every tenant is swept this often; an upload's own tenant is scanned at once. */
const SWEEP_MS = 60_000;
/** A claimed file is left alone this long before another worker may try it. */
const LEASE_MS = 5 * 60_000;
const FIRST_RETRY_MS = 5_000;
const MAX_RETRY_MS = 60 * 60_000;
const BATCH = 10;

/**
 * Scans quarantined files and releases them to `clean` or isolates them as `infected`. The work
 * list is the database (`status = 'quarantined'` and `next_scan_at` due), so a restart or a
 * second instance loses nothing: each file is claimed with `for update skip locked` and a lease.
 * When clamd gives no verdict the file stays quarantined and is retried with doubling backoff,
 * up to an hour apart, for as long as it takes: nothing is ever released unscanned.
 */
export class ScanWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** Tenants to visit on the next pass; null = all of them. */
  private queued: Set<string> | null | undefined;

  constructor(
    private readonly tenants: TenantService,
    private readonly objects: ObjectStore,
    private readonly scanner: Scanner,
    private readonly log: FastifyBaseLogger,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      this.kick();
    }, SWEEP_MS);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.settle();
  }

  /** Resolves once no pass is running or queued (tests and shutdown). */
  async settle(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  /** Runs a pass soon: over one tenant (after its upload) or all; passes never overlap. */
  kick(tenantId?: string): void {
    if (tenantId === undefined || this.queued === null) this.queued = null;
    else (this.queued ??= new Set()).add(tenantId);
    if (this.running === null) this.startPass();
  }

  private startPass(): void {
    const only = this.queued ?? null;
    this.queued = undefined;
    this.running = this.runOnce(only ?? undefined)
      .then(() => undefined)
      .catch((error: unknown) => {
        this.log.error({ err: error }, 'scan pass failed');
      })
      .finally(() => {
        this.running = null;
        if (this.queued !== undefined) this.startPass();
      });
  }

  /**
   * One pass over the given tenants (default: every active one), scanning what is due. A tenant
   * whose pass fails is logged and skipped; the others go on. Returns how many files got a verdict.
   */
  async runOnce(only?: Iterable<string>): Promise<number> {
    const wanted = only === undefined ? null : new Set(only);
    let decided = 0;
    for (const tenant of await this.tenants.list()) {
      if (tenant.status !== 'active' || (wanted !== null && !wanted.has(tenant.id))) continue;
      try {
        decided += await this.scanTenant(this.tenants.handle(tenant));
      } catch (error) {
        this.log.error({ err: error, tenantId: tenant.id }, 'scan pass failed for a tenant');
      }
    }
    return decided;
  }

  private async scanTenant(handle: TenantDb): Promise<number> {
    let decided = 0;
    for (let i = 0; i < BATCH; i++) {
      const file = await claimDue(handle);
      if (file === null) break;
      if (await this.scanOne(handle, file)) decided++;
    }
    return decided;
  }

  private async scanOne(tenant: TenantDb, file: Selectable<FilesTable>): Promise<boolean> {
    let verdict: ScanVerdict;
    try {
      verdict = await this.scanner.scan(await this.objects.get('quarantine', file.object_key));
    } catch (error) {
      const interrupted = isMissing(error) ? await this.interruptedMove(file) : null;
      if (interrupted !== null) {
        verdict = interrupted;
      } else {
        if (!(error instanceof ScannerUnavailableError) && !isMissing(error)) throw error;
        await tenant.transaction((trx) => retryLater(trx, file));
        this.log.warn(
          { code: 'scanner_unavailable', tenantId: tenant.tenantId },
          'a file stays quarantined',
        );
        return false;
      }
    }

    const area: ObjectArea = verdict.status === 'clean' ? 'clean' : 'infected';
    // Object first, row second: a row never says clean while the object is still quarantined.
    if (await this.objects.exists('quarantine', file.object_key)) {
      await this.objects.move(file.object_key, 'quarantine', area);
    }
    await tenant.transaction(async (trx) => {
      await trx
        .updateTable('files')
        .set({ status: verdict.status, scanned_at: new Date(), next_scan_at: null })
        .where('id', '=', file.id)
        .execute();
      await recordAudit(trx, {
        actorId: null,
        actorRole: 'system',
        action: 'file.scan',
        outcome: 'success',
        patientId: file.patient_id,
        resourceType: 'File',
        resourceId: file.id,
        severity: verdict.status === 'clean' ? 'info' : 'high',
        details:
          verdict.status === 'clean'
            ? { verdict: 'clean' }
            : { verdict: 'infected', signature: verdict.signature },
      });
    });
    return true;
  }

  /**
   * A previous pass moved the object and stopped before updating the row (a crash): finish
   * from where the object is. An infected object's signature is then no longer known.
   */
  private async interruptedMove(file: Selectable<FilesTable>): Promise<ScanVerdict | null> {
    if (await this.objects.exists('infected', file.object_key)) {
      return { status: 'infected', signature: 'unknown (scan interrupted)' };
    }
    if (await this.objects.exists('clean', file.object_key)) return { status: 'clean' };
    return null;
  }
}

/** Claims one due file for this worker by pushing its next attempt past the lease. */
async function claimDue(tenant: TenantDb): Promise<Selectable<FilesTable> | null> {
  return tenant.transaction(async (trx) => {
    const due = await trx
      .selectFrom('files')
      .selectAll()
      .where('status', '=', 'quarantined')
      .where('next_scan_at', '<=', new Date())
      .orderBy('next_scan_at')
      .limit(1)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
    if (due === undefined) return null;
    await trx
      .updateTable('files')
      .set({
        next_scan_at: new Date(Date.now() + LEASE_MS),
        scan_attempts: sql<number>`scan_attempts + 1`,
      })
      .where('id', '=', due.id)
      .execute();
    return { ...due, scan_attempts: due.scan_attempts + 1 };
  });
}

async function retryLater(trx: Kysely<TenantDatabase>, file: Selectable<FilesTable>) {
  const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(20, file.scan_attempts - 1));
  await trx
    .updateTable('files')
    .set({ next_scan_at: new Date(Date.now() + delay) })
    .where('id', '=', file.id)
    .execute();
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: string; name?: string }).code;
  return code === 'ENOENT' || (error as { name?: string }).name === 'NoSuchKey';
}
