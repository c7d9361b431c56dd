import type { TenantDb } from '../../platform/db/database.js';
import { recordAuditGroup, type AuditEvent } from './service.js';

interface Waiting {
  event: AuditEvent;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Queue {
  handle: TenantDb;
  waiting: Waiting[];
  inFlight: number;
  /** A flush is due at the end of this turn of the event loop. */
  scheduled: boolean;
}

const MAX_BATCH = 200;

/**
 * Audit events of reads, written in groups: a read changes nothing, so its event need not share
 * the read's transaction, only be stored before the answer leaves. Events that arrive in the
 * same turn of the event loop (answers from the database come in bursts under load) go in one
 * insert at the end of that turn, unless enough inserts for the tenant are in flight already;
 * then they wait for one to finish and go with the others that queued meanwhile (group commit).
 * No waiting at low load, fewer statements and commits under load: on PostgreSQL each
 * statement costs the server more CPU than the rows it carries. Each request's promise settles
 * with its own group: if that insert fails, those requests fail.
 */
export class AuditBatcher {
  private readonly queues = new Map<string, Queue>();

  /**
   * @param maxInFlight inserts in flight per tenant: on PostgreSQL two (commits are flushed to
   * the WAL one after another anyway, so more would only make smaller groups); on PGlite one
   * (it runs one statement at a time).
   */
  constructor(private readonly maxInFlight: number) {}

  record(handle: TenantDb, event: AuditEvent): Promise<void> {
    let queue = this.queues.get(handle.schema);
    if (queue === undefined) {
      queue = { handle, waiting: [], inFlight: 0, scheduled: false };
      this.queues.set(handle.schema, queue);
    }
    const promise = new Promise<void>((resolve, reject) => {
      queue.waiting.push({ event, resolve, reject });
    });
    this.schedule(queue);
    return promise;
  }

  private schedule(queue: Queue): void {
    if (queue.scheduled || queue.inFlight >= this.maxInFlight) return;
    queue.scheduled = true;
    setImmediate(() => {
      queue.scheduled = false;
      void this.flush(queue);
    });
  }

  private async flush(queue: Queue): Promise<void> {
    const group = queue.waiting.splice(0, MAX_BATCH);
    if (group.length === 0) {
      if (queue.inFlight === 0) this.queues.delete(queue.handle.schema);
      return;
    }
    queue.inFlight += 1;
    try {
      await recordAuditGroup(
        queue.handle,
        group.map((item) => item.event),
      );
      for (const item of group) item.resolve();
    } catch (error) {
      for (const item of group) item.reject(error);
    } finally {
      queue.inFlight -= 1;
    }
    if (queue.waiting.length > 0) this.schedule(queue);
    else if (queue.inFlight === 0 && !queue.scheduled) this.queues.delete(queue.handle.schema);
  }
}
