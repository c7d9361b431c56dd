import type { TenantDb } from '../../platform/db/database.js';
import { recordAudits, type AuditEvent } from './service.js';

interface Waiting {
  event: AuditEvent;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Queue {
  handle: TenantDb;
  waiting: Waiting[];
  inFlight: number;
}

const MAX_BATCH = 200;

/**
 * Audit events of reads, written in groups: a read changes nothing, so its event need not share
 * the read's transaction, only be stored before the answer leaves. An event goes to the
 * database at once unless several inserts for the tenant are already in flight; then it waits
 * for the next one and goes with the others that queued meanwhile (group commit). No waiting at
 * low load, fewer statements and commits under load. Each request's promise settles with its
 * own group: if that insert fails, those requests fail.
 */
export class AuditBatcher {
  private readonly queues = new Map<string, Queue>();

  /**
   * @param maxInFlight inserts in flight per tenant: on PostgreSQL a few, so no request queues
   * behind one slow commit; on PGlite one (it runs one statement at a time anyway, and bigger
   * groups mean fewer statements).
   */
  constructor(private readonly maxInFlight: number) {}

  record(handle: TenantDb, event: AuditEvent): Promise<void> {
    let queue = this.queues.get(handle.schema);
    if (queue === undefined) {
      queue = { handle, waiting: [], inFlight: 0 };
      this.queues.set(handle.schema, queue);
    }
    const promise = new Promise<void>((resolve, reject) => {
      queue.waiting.push({ event, resolve, reject });
    });
    if (queue.inFlight < this.maxInFlight) void this.flush(queue);
    return promise;
  }

  private async flush(queue: Queue): Promise<void> {
    const group = queue.waiting.splice(0, MAX_BATCH);
    if (group.length === 0) return;
    queue.inFlight += 1;
    try {
      await recordAudits(
        queue.handle.db,
        group.map((item) => item.event),
      );
      for (const item of group) item.resolve();
    } catch (error) {
      for (const item of group) item.reject(error);
    } finally {
      queue.inFlight -= 1;
    }
    if (queue.waiting.length > 0) void this.flush(queue);
    else if (queue.inFlight === 0) this.queues.delete(queue.handle.schema);
  }
}
