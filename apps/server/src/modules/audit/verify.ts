import { compactVerify } from 'jose';
import { sql, type Selectable } from 'kysely';
import type { TenantDb } from '../../platform/db/database.js';
import type { AuditChainTable, AuditCheckpointsTable } from '../../platform/db/tables.js';
import { SIGNING_ALG, type SigningKeys } from '../../platform/keys/signing-keys.js';
import {
  eventHash,
  gapHash,
  genesisHash,
  selectChainedEvents,
  type ChainedEvent,
} from './canonical.js';
import { CHECKPOINT_TYPE, type CheckpointClaims } from './chain.js';

export type Problem =
  | 'hash_mismatch'
  | 'missing_event'
  | 'inserted_event'
  | 'reordered'
  | 'bad_checkpoint'
  | 'missing_anchor';

export interface BrokenLink {
  position: number;
  seq: number | null;
  eventId: string | null;
  problem: Problem;
}

export interface VerifyReport {
  status: 'intact' | 'broken';
  checkedEvents: number;
  pendingEvents: number;
  /**
   * Where the walk began: null at the genesis; after a purge, the signed checkpoint the trail was
   * cut at, whose hash the first remaining link must follow.
   */
  anchor: { position: number; at: string } | null;
  lastCheckpoint: { position: number; at: string; signatureValid: boolean } | null;
  firstBroken: BrokenLink | null;
  verifiedAt: string;
}

const PAGE = 1000;

/** The event a purge records, in its own transaction; its details name the anchor position. */
export const PURGE_ACTION = 'audit.purge';

type ChainRow = Selectable<AuditChainTable>;
type Checkpoint = Selectable<AuditCheckpointsTable>;

/** Where a walk begins: the genesis, or the checkpoint a purge cut the trail at. */
interface Start {
  position: number;
  hash: string;
  anchor: VerifyReport['anchor'];
}

/**
 * Walks the whole chain from its genesis, or from the signed checkpoint the last purge left as
 * its anchor: each link must follow the previous one, each event must hash to its link, every
 * number in the sequence must be accounted for (an event or a recorded gap), and every
 * checkpoint must be signed by a platform key over the hash the chain has at its position.
 * Stops at the first broken link and names it.
 */
export async function verifyTrail(handle: TenantDb, keys: SigningKeys): Promise<VerifyReport> {
  const checkpoints = await handle.db
    .selectFrom('audit_checkpoints')
    .selectAll()
    .orderBy('position')
    .execute();
  const start = await startOf(handle, keys, checkpoints);
  const walk = new ChainWalk(handle, keys, checkpoints, 'broken' in start ? null : start);
  const firstBroken =
    'broken' in start ? start.broken : ((await strayBefore(handle, start)) ?? (await walk.run()));
  const pending = await handle.db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('seq', '>', String(walk.lastSeq))
    .executeTakeFirstOrThrow();
  const last = checkpoints[checkpoints.length - 1];
  return {
    status: firstBroken === null ? 'intact' : 'broken',
    checkedEvents: walk.checkedEvents,
    pendingEvents: Number(pending.count),
    anchor: 'broken' in start ? null : start.anchor,
    lastCheckpoint:
      last === undefined
        ? null
        : {
            position: Number(last.position),
            at: last.signed_at.toISOString(),
            signatureValid: (await readCheckpoint(last, keys, handle.tenantId)) !== null,
          },
    firstBroken,
    verifiedAt: new Date().toISOString(),
  };
}

/**
 * The newest purge event names the anchor (purge.ts writes it in the purge's transaction, and a
 * later purge never removes the newest one): with none, the trail must start at the genesis.
 * So a removed anchor checkpoint is caught, and so is a cut made without a purge, or one past
 * the anchor the purge recorded.
 */
async function startOf(
  handle: TenantDb,
  keys: SigningKeys,
  checkpoints: Checkpoint[],
): Promise<Start | { broken: BrokenLink }> {
  const genesis = { position: 0, hash: genesisHash(handle.tenantId), anchor: null };
  const purge = await handle.db
    .selectFrom('audit_events')
    .select(['id', 'seq', sql<string | null>`details->>'anchorPosition'`.as('anchor')])
    .where('action', '=', PURGE_ACTION)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (purge === undefined) return genesis;
  const position = Number(purge.anchor);
  const brokenAt = (problem: Problem, at = position): { broken: BrokenLink } => ({
    broken: {
      position: at,
      seq: at,
      eventId: problem === 'inserted_event' ? purge.id : null,
      problem,
    },
  });
  if (!Number.isSafeInteger(position) || position < 1)
    return brokenAt('inserted_event', Number(purge.seq));
  // A purge removes every link before its anchor in the same transaction as it records itself.
  const before = await handle.db
    .selectFrom('audit_chain')
    .select('position')
    .where('position', '<', String(position))
    .limit(1)
    .executeTakeFirst();
  if (before !== undefined) return brokenAt('inserted_event', Number(purge.seq));

  const checkpoint = checkpoints.find((c) => Number(c.position) === position);
  if (checkpoint === undefined) return brokenAt('missing_anchor');
  const claims = await readCheckpoint(checkpoint, keys, handle.tenantId);
  if (claims === null) return brokenAt('bad_checkpoint');
  return {
    position,
    hash: claims.hash,
    anchor: { position, at: checkpoint.signed_at.toISOString() },
  };
}

/** An event numbered at or before the start: after a purge, its numbers are free to take. */
async function strayBefore(handle: TenantDb, start: Start): Promise<BrokenLink | null> {
  const stray = await handle.db
    .selectFrom('audit_events')
    .select(['id', 'seq'])
    .where('seq', '<=', String(start.position))
    .orderBy('seq')
    .limit(1)
    .executeTakeFirst();
  if (stray === undefined) return null;
  const seq = Number(stray.seq);
  return { position: seq, seq, eventId: stray.id, problem: 'inserted_event' };
}

class ChainWalk {
  checkedEvents = 0;
  lastSeq = 0;
  private position = 0;
  private hash = '';
  private readonly checkpointsAt: Map<number, Checkpoint[]>;

  /** `start` null: the walk has nowhere to begin (its start is broken) and checks nothing. */
  constructor(
    private readonly handle: TenantDb,
    private readonly keys: SigningKeys,
    private readonly checkpoints: Checkpoint[],
    start: Start | null,
  ) {
    if (start !== null) {
      this.position = start.position;
      this.lastSeq = start.position;
      this.hash = start.hash;
    }
    this.checkpointsAt = new Map();
    for (const checkpoint of checkpoints) {
      const at = Number(checkpoint.position);
      this.checkpointsAt.set(at, [...(this.checkpointsAt.get(at) ?? []), checkpoint]);
    }
  }

  async run(): Promise<BrokenLink | null> {
    for (;;) {
      const links = await this.handle.db
        .selectFrom('audit_chain')
        .selectAll()
        .where('position', '>', String(this.position))
        .orderBy('position')
        .limit(PAGE)
        .execute();
      if (links.length === 0) break;
      const events = await this.eventsFor(links);
      for (const link of links) {
        const broken = this.check(link, events) ?? (await this.checkCheckpoints(link));
        if (broken !== null) return broken;
      }
    }
    // A checkpoint past the end: the chain's tail was cut off.
    const beyond = this.checkpoints.find((c) => Number(c.position) > this.position);
    if (beyond !== undefined)
      return this.broken(Number(beyond.position), null, null, 'bad_checkpoint');
    return null;
  }

  /** The events whose sequence numbers this page of links covers, and any they name elsewhere. */
  private async eventsFor(links: ChainRow[]): Promise<EventIndex> {
    const seqs = links.map((link) => Number(link.seq));
    const rows = await selectChainedEvents(this.handle.db)
      .where('seq', '>=', String(Math.min(...seqs)))
      .where('seq', '<=', String(Math.max(...seqs)))
      .execute();
    const index = new EventIndex(rows);
    const strays = links
      .map((link) => link.event_id)
      .filter((id): id is string => id !== null && !index.hasId(id));
    if (strays.length > 0) {
      index.addElsewhere(
        await selectChainedEvents(this.handle.db).where('id', 'in', strays).execute(),
      );
    }
    return index;
  }

  private check(link: ChainRow, events: EventIndex): BrokenLink | null {
    const position = Number(link.position);
    const seq = Number(link.seq);
    const nextSeq = this.lastSeq + 1;
    // A link removed from the chain table, or links renumbered around a removal.
    if (position !== this.position + 1)
      return this.broken(this.position + 1, nextSeq, null, 'missing_event');
    if (seq > nextSeq) return this.broken(position, nextSeq, null, 'missing_event');
    if (seq < nextSeq) return this.broken(position, seq, link.event_id, 'reordered');
    if (link.prev_hash !== this.hash)
      return this.broken(position, seq, link.event_id, 'hash_mismatch');

    const atSeq = events.atSeq(seq);
    const intruder = atSeq.find((event) => event.id !== link.event_id);
    let expected: string;
    if (link.event_id === null) {
      // A recorded gap: nothing may carry this number.
      if (intruder !== undefined) return this.broken(position, seq, intruder.id, 'inserted_event');
      expected = gapHash(this.hash, link.seq);
    } else {
      const own = atSeq.find((event) => event.id === link.event_id);
      if (own === undefined) {
        if (events.elsewhere(link.event_id))
          return this.broken(position, seq, link.event_id, 'reordered');
        if (intruder !== undefined)
          return this.broken(position, seq, intruder.id, 'inserted_event');
        return this.broken(position, seq, link.event_id, 'missing_event');
      }
      if (intruder !== undefined) return this.broken(position, seq, intruder.id, 'inserted_event');
      expected = eventHash(this.hash, own);
    }
    if (expected !== link.hash) return this.broken(position, seq, link.event_id, 'hash_mismatch');

    this.position = position;
    this.lastSeq = seq;
    this.hash = link.hash;
    if (link.event_id !== null) this.checkedEvents += 1;
    return null;
  }

  private async checkCheckpoints(link: ChainRow): Promise<BrokenLink | null> {
    for (const checkpoint of this.checkpointsAt.get(Number(link.position)) ?? []) {
      const claims = await readCheckpoint(checkpoint, this.keys, this.handle.tenantId);
      if (claims === null || checkpoint.hash !== link.hash || claims.hash !== link.hash)
        return this.broken(
          Number(link.position),
          Number(link.seq),
          link.event_id,
          'bad_checkpoint',
        );
    }
    return null;
  }

  private broken(
    position: number,
    seq: number | null,
    eventId: string | null,
    problem: Problem,
  ): BrokenLink {
    return { position, seq, eventId, problem };
  }
}

class EventIndex {
  private readonly bySeq = new Map<number, ChainedEvent[]>();
  private readonly ids = new Set<string>();
  private readonly elsewhereIds = new Set<string>();

  constructor(rows: ChainedEvent[]) {
    for (const row of rows) {
      const seq = Number(row.seq);
      this.bySeq.set(seq, [...(this.bySeq.get(seq) ?? []), row]);
      this.ids.add(row.id);
    }
  }

  atSeq(seq: number): ChainedEvent[] {
    return this.bySeq.get(seq) ?? [];
  }
  hasId(id: string): boolean {
    return this.ids.has(id);
  }
  addElsewhere(rows: ChainedEvent[]): void {
    for (const row of rows) this.elsewhereIds.add(row.id);
  }
  /** The event exists (the caller knows it is not at the number its link gives it). */
  elsewhere(id: string): boolean {
    return this.elsewhereIds.has(id) || this.ids.has(id);
  }
}

/** The checkpoint's claims when its signature holds and they describe this row; else null. */
async function readCheckpoint(
  checkpoint: Checkpoint,
  keys: SigningKeys,
  tenantId: string,
): Promise<CheckpointClaims | null> {
  try {
    const { payload, protectedHeader } = await compactVerify(
      checkpoint.jws,
      async (header) => {
        const key = header.kid === undefined ? undefined : await keys.archivedPublicKey(header.kid);
        if (key === undefined) throw new Error('unknown checkpoint key');
        return key;
      },
      { algorithms: [SIGNING_ALG] },
    );
    if (protectedHeader.typ !== CHECKPOINT_TYPE) return null;
    const claims = JSON.parse(new TextDecoder().decode(payload)) as CheckpointClaims;
    const matches =
      claims.tid === tenantId &&
      claims.pos === Number(checkpoint.position) &&
      claims.hash === checkpoint.hash;
    return matches ? claims : null;
  } catch {
    return null;
  }
}
