import type { FastifyBaseLogger } from 'fastify';
import type { TenantDb } from '../../platform/db/database.js';
import type { SigningKeys } from '../../platform/keys/signing-keys.js';
import type { Tenant, TenantService } from '../tenants/service.js';
import { chainAll, type ChainOptions } from './chain.js';
import { verifyTrail, type VerifyReport } from './verify.js';

export interface ChainerOptions extends ChainOptions {
  intervalMs: number;
}

/** Also visit every tenant this often, for events written by an instance that stopped. */
const FULL_SWEEP_MS = 5 * 60_000;

/**
 * Runs in every API instance. Requests tell it which tenants wrote audit events (`notice`);
 * every interval it links those tenants' new events in small batches (chain.ts), and now and
 * then it visits every tenant, so events left by an instance that died get linked too.
 * Instances coordinate through a per-tenant database lock: running many is safe, and each
 * batch is one short transaction, so nothing is ever half done.
 */
export class AuditChainer {
  private readonly dirty = new Map<string, TenantDb>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private lastFullSweep = Date.now();

  constructor(
    private readonly tenants: TenantService,
    private readonly keys: SigningKeys,
    private readonly options: ChainerOptions,
    private readonly logger: FastifyBaseLogger,
  ) {}

  notice(handle: TenantDb): void {
    this.dirty.set(handle.schema, handle);
  }

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      if (this.running !== null) return;
      this.running = this.tick().finally(() => (this.running = null));
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Links pending events first, so a trail written a moment ago reads as intact. */
  async verify(tenant: Tenant): Promise<VerifyReport> {
    const handle = this.tenants.handle(tenant);
    await chainAll(handle, this.keys, this.options);
    return verifyTrail(handle, this.keys);
  }

  private async tick(): Promise<void> {
    const handles = [...this.dirty.values()];
    this.dirty.clear();
    if (Date.now() - this.lastFullSweep >= FULL_SWEEP_MS) {
      this.lastFullSweep = Date.now();
      // Known shortcoming: with thousands of clinics this visit would be spread out over time.
      const all = await this.tenants.list().catch(() => []);
      handles.push(...all.map((tenant) => this.tenants.handle(tenant)));
    }
    for (const handle of handles) {
      try {
        const status = await chainAll(handle, this.keys, this.options);
        // A number within its grace period, or another instance mid-batch: look again later.
        if (status !== 'done') this.notice(handle);
      } catch (error) {
        this.logger.error({ err: error, tenantId: handle.tenantId }, 'audit chaining failed');
      }
    }
  }
}
