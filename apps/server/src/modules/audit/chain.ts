import { CompactSign } from 'jose';
import { sql, type Insertable, type Kysely } from 'kysely';
import type { TenantDb } from '../../platform/db/database.js';
import type { AuditChainTable, TenantDatabase } from '../../platform/db/tables.js';
import { SIGNING_ALG, type SigningKeys } from '../../platform/keys/signing-keys.js';
import { eventHash, gapHash, genesisHash, selectChainedEvents } from './canonical.js';

export interface ChainOptions {
  gapGraceMs: number;
  checkpointEvery: number;
  checkpointIntervalMs: number;
  /** Events linked per transaction: small, so the lock and (on PGlite) the connection are short. */
  batchSize?: number;
}

export const CHECKPOINT_TYPE = 'mc-audit-checkpoint+jwt';
const DEFAULT_BATCH = 200;
// Distinct from the migration lock, which uses the one-argument form on the schema name.
const CHAIN_LOCK_CLASS = 0x4d43_4155;

/**
 * `done`: everything visible is linked; `more`: another batch is ready; `waiting`: a missing
 * number is still within its grace period; `busy`: another instance holds the tenant's lock.
 */
export type ChainStatus = 'done' | 'more' | 'waiting' | 'busy';

interface Head {
  position: number;
  seq: number;
  hash: string;
}

/**
 * Links the next batch of events into the tenant's chain, in sequence order, and signs a
 * checkpoint when one is due. Any number of instances may call it: a per-tenant advisory lock,
 * held only for this short transaction, lets one of them in and the others skip (they are not
 * needed: the one inside links everything it can see). Requests never take this lock.
 */
export async function chainBatch(
  handle: TenantDb,
  keys: SigningKeys,
  options: ChainOptions,
): Promise<ChainStatus> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  return handle.transaction(async (trx) => {
    const locked = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(
      ${CHAIN_LOCK_CLASS}::integer, hashtext(${handle.schema})) as ok`.execute(trx);
    if (locked.rows[0]?.ok !== true) return 'busy';

    const head = await chainHead(trx, handle.tenantId);
    const events = await selectChainedEvents(trx)
      .where('seq', '>', String(head.seq))
      .orderBy('seq')
      .limit(batchSize)
      .execute();

    const rows: Insertable<AuditChainTable>[] = [];
    let waiting = false;
    let { position, seq, hash } = head;
    const graceEdge = Date.now() - options.gapGraceMs;
    for (const event of events) {
      const eventSeq = Number(event.seq);
      // A missing number below a committed one belongs to a transaction still running or
      // rolled back. Wait while it may still commit; after the grace period it is a gap,
      // recorded as such, so a row that shows up later with that number reads as inserted.
      if (eventSeq > seq + 1 && Date.parse(event.occurred) > graceEdge) {
        waiting = true;
        break;
      }
      for (let missing = seq + 1; missing < eventSeq; missing += 1) {
        const link = gapHash(hash, String(missing));
        position += 1;
        rows.push(chainRow(position, missing, null, hash, link));
        hash = link;
      }
      const link = eventHash(hash, event);
      position += 1;
      rows.push(chainRow(position, eventSeq, event.id, hash, link));
      hash = link;
      seq = eventSeq;
    }
    if (rows.length > 0) await trx.insertInto('audit_chain').values(rows).execute();

    await signCheckpointIfDue(trx, handle.tenantId, keys, options, { position, seq, hash });
    if (waiting) return 'waiting';
    return events.length === batchSize ? 'more' : 'done';
  });
}

function chainRow(
  position: number,
  seq: number,
  eventId: string | null,
  prevHash: string,
  hash: string,
): Insertable<AuditChainTable> {
  return {
    position: String(position),
    seq: String(seq),
    event_id: eventId,
    prev_hash: prevHash,
    hash,
  };
}

async function chainHead(db: Kysely<TenantDatabase>, tenantId: string): Promise<Head> {
  const last = await db
    .selectFrom('audit_chain')
    .select(['position', 'seq', 'hash'])
    .orderBy('position', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (last === undefined) return { position: 0, seq: 0, hash: genesisHash(tenantId) };
  return { position: Number(last.position), seq: Number(last.seq), hash: last.hash };
}

async function signCheckpointIfDue(
  trx: Kysely<TenantDatabase>,
  tenantId: string,
  keys: SigningKeys,
  options: ChainOptions,
  head: Head,
): Promise<void> {
  if (head.position === 0) return;
  const last = await trx
    .selectFrom('audit_checkpoints')
    .select(['position', 'signed_at'])
    .orderBy('position', 'desc')
    .limit(1)
    .executeTakeFirst();
  const signedUpTo = last === undefined ? 0 : Number(last.position);
  if (head.position <= signedUpTo) return;
  const due =
    head.position - signedUpTo >= options.checkpointEvery ||
    last === undefined ||
    Date.now() - last.signed_at.getTime() >= options.checkpointIntervalMs;
  if (!due) return;

  const signedAt = new Date();
  await trx
    .insertInto('audit_checkpoints')
    .values({
      position: String(head.position),
      hash: head.hash,
      signed_at: signedAt,
      jws: await signCheckpoint(keys, {
        tenantId,
        position: head.position,
        hash: head.hash,
        signedAt,
      }),
    })
    .execute();
}

export interface CheckpointClaims {
  tid: string;
  pos: number;
  hash: string;
  iat: number;
}

async function signCheckpoint(
  keys: SigningKeys,
  checkpoint: { tenantId: string; position: number; hash: string; signedAt: Date },
): Promise<string> {
  const { kid, privateKey } = await keys.current();
  const claims: CheckpointClaims = {
    tid: checkpoint.tenantId,
    pos: checkpoint.position,
    hash: checkpoint.hash,
    iat: Math.floor(checkpoint.signedAt.getTime() / 1000),
  };
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: CHECKPOINT_TYPE })
    .sign(privateKey);
}

/** Waits for the tenant's chain lock, held to the end of the transaction: no batch runs meanwhile. */
export async function lockChain(trx: Kysely<TenantDatabase>, schema: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(${CHAIN_LOCK_CLASS}::integer, hashtext(${schema}))`.execute(
    trx,
  );
}

/** Links everything that can be linked now (bounded), e.g. before a verification. */
export async function chainAll(
  handle: TenantDb,
  keys: SigningKeys,
  options: ChainOptions,
  maxBatches = 1000,
): Promise<ChainStatus> {
  let status: ChainStatus = 'more';
  for (let i = 0; i < maxBatches && status === 'more'; i += 1) {
    status = await chainBatch(handle, keys, options);
  }
  return status;
}
