import { sql, type Kysely } from 'kysely';
import type { TenantDb } from '../../platform/db/database.js';
import type { TenantDatabase } from '../../platform/db/tables.js';
import type { SigningKeys } from '../../platform/keys/signing-keys.js';
import { chainAll, lockChain, type ChainOptions } from './chain.js';
import { recordAudit } from './service.js';
import { PURGE_ACTION, verifyTrail, type BrokenLink } from './verify.js';

export interface PurgeOptions extends ChainOptions {
  retentionYears: number;
  /** Report the cut without making it. */
  dryRun: boolean;
}

/** The events a purge removes: every one numbered up to the anchor. */
export interface PurgeRange {
  /** The signed checkpoint the trail is cut at, which becomes its anchor. */
  anchor: { position: number; signedAt: string };
  events: number;
  fromSeq: number | null;
  toSeq: number | null;
  oldest: string | null;
  newest: string | null;
}

/**
 * `broken`: the trail does not verify, nothing is touched; `nothing`: no event is past retention,
 * or none of those lies before a signed checkpoint yet; `planned`: a dry run; `purged`: done.
 */
export type PurgeResult =
  | { status: 'broken'; firstBroken: BrokenLink }
  | { status: 'nothing'; cutoff: string; expired: number }
  | { status: 'planned' | 'purged'; cutoff: string; expired: number; range: PurgeRange };

/**
 * Removes the tenant's audit events older than the retention period, but only up to a signed
 * checkpoint: the newest one before the first event still to be kept. That checkpoint stays and
 * anchors the trail, so `audit verify` checks what remains from it, and the purge records itself
 * (range, count, operator) in the same transaction. The trail is linked and verified first: a
 * broken trail is evidence and is never cut. `owner` must be the schema owner's handle: only the
 * owner may run the database's purge function, which also enforces the five-year minimum.
 */
export async function purgeExpiredEvents(
  handle: TenantDb,
  owner: TenantDb,
  keys: SigningKeys,
  options: PurgeOptions,
): Promise<PurgeResult> {
  await chainAll(handle, keys, options);
  const report = await verifyTrail(handle, keys);
  if (report.firstBroken !== null) return { status: 'broken', firstBroken: report.firstBroken };
  // Only checkpoints the walk just checked: anything signed since is left for the next purge.
  const verifiedUpTo = report.lastCheckpoint?.position ?? 0;
  const after = report.anchor?.position ?? 0;

  const result = await owner.transaction(async (trx): Promise<PurgeResult> => {
    await lockChain(trx, owner.schema);
    const { cutoff, expired, firstKept } = await retentionEdge(trx, options.retentionYears, after);
    const anchor = await trx
      .selectFrom('audit_checkpoints')
      .select(['position', 'signed_at'])
      .where('position', '>', String(after))
      .where('position', '<=', String(verifiedUpTo))
      .$if(firstKept !== null, (q) => q.where('position', '<', String(firstKept)))
      .orderBy('position', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (anchor === undefined) return { status: 'nothing', cutoff, expired };
    const range = await rangeUpTo(trx, {
      position: Number(anchor.position),
      signedAt: anchor.signed_at.toISOString(),
    });
    if (options.dryRun) return { status: 'planned', cutoff, expired, range };

    await sql`select ${sql.id(owner.schema, 'audit_purge')}(
      ${range.anchor.position}::bigint, ${options.retentionYears}::integer)`.execute(trx);

    await recordAudit(trx, {
      actorId: null,
      actorRole: 'operator',
      action: PURGE_ACTION,
      details: {
        anchorPosition: range.anchor.position,
        fromSeq: range.fromSeq,
        toSeq: range.toSeq,
        events: range.events,
        before: cutoff,
        retentionYears: options.retentionYears,
      },
    });
    return { status: 'purged', cutoff, expired, range };
  });
  // The purge's own event is linked at once, so the next verification starts from the anchor.
  if (result.status === 'purged') await chainAll(handle, keys, options);
  return result;
}

/**
 * The cut-off by the database's clock: `now()` is the transaction's start, the same instant the
 * purge function measures the retention period from.
 */
async function retentionEdge(trx: Kysely<TenantDatabase>, years: number, after: number) {
  const edge = sql<Date>`now() - make_interval(years => ${years}::integer)`;
  const row = await trx
    .selectFrom('audit_events')
    .select((eb) => [
      edge.as('cutoff'),
      eb.fn
        .countAll<string>()
        .filterWhere('occurred_at', '<', edge)
        .filterWhere('seq', '>', String(after))
        .as('expired'),
      eb.fn.min<string | null>('seq').filterWhere('occurred_at', '>=', edge).as('first_kept'),
    ])
    .executeTakeFirstOrThrow();
  return {
    cutoff: new Date(row.cutoff).toISOString(),
    expired: Number(row.expired),
    firstKept: row.first_kept === null ? null : Number(row.first_kept),
  };
}

async function rangeUpTo(
  trx: Kysely<TenantDatabase>,
  anchor: PurgeRange['anchor'],
): Promise<PurgeRange> {
  const row = await trx
    .selectFrom('audit_events')
    .select((eb) => [
      eb.fn.countAll<string>().as('events'),
      eb.fn.min<string | null>('seq').as('from_seq'),
      eb.fn.max<string | null>('seq').as('to_seq'),
      eb.fn.min<Date | null>('occurred_at').as('oldest'),
      eb.fn.max<Date | null>('occurred_at').as('newest'),
    ])
    .where('seq', '<=', String(anchor.position))
    .executeTakeFirstOrThrow();
  const time = (value: Date | null) => (value === null ? null : new Date(value).toISOString());
  return {
    anchor,
    events: Number(row.events),
    fromSeq: row.from_seq === null ? null : Number(row.from_seq),
    toSeq: row.to_seq === null ? null : Number(row.to_seq),
    oldest: time(row.oldest),
    newest: time(row.newest),
  };
}
