import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type QueryExecutorProvider, type Selectable } from 'kysely';
import { CONTROL_SCHEMA, type Database } from '../db/database.js';
import type { KeyRotationsTable } from '../db/tables.js';
import {
  ENCRYPTED_CONTROL_COLUMNS,
  ENCRYPTED_TABLES,
  INSURANCE_NUMBER_INDEX,
  normalizeInsuranceNumber,
} from './encrypted-fields.js';
import { CURRENT_KEY_TTL_MS, type FieldCipher } from './field-cipher.js';
import { ciphertextVersion, DecryptionError, type KeyRing } from './key-ring.js';

/** After a new data key, older versions may still be written this long (stale key rings). */
export const SETTLE_MS = 3 * CURRENT_KEY_TTL_MS;
const LEASE_MS = 30_000;
const DONE: string[] = [];

export interface RotationTenant {
  id: string;
  schemaName: string;
}

export interface RotationReport {
  /** finished; paused (batch limit or stop); busy (another process holds it); none (no job). */
  state: 'finished' | 'paused' | 'busy' | 'none';
  targetVersion: number | null;
  converted: number;
  failed: number;
}

/** A table whose encrypted values the job walks, in row-key order. */
interface Target {
  name: string;
  table: string;
  key: readonly (readonly [string, 'uuid' | 'integer'])[];
  columns: readonly string[];
  /** Control tables hold every tenant's rows: only this tenant's are touched. */
  control: boolean;
}

const TARGETS: Target[] = [
  ...Object.entries(ENCRYPTED_TABLES).map(([table, spec]) => ({
    name: table,
    table,
    key: spec.key,
    columns: spec.columns,
    control: false,
  })),
  ...Object.entries(ENCRYPTED_CONTROL_COLUMNS).map(([table, spec]) => ({
    name: `control.${table}`,
    table,
    key: spec.key,
    columns: spec.columns,
    control: true,
  })),
];

type Job = Selectable<KeyRotationsTable>;
type Row = Record<string, string | number | null>;

/**
 * Moves every encrypted value of a tenant to one data-key version, in short batches (one
 * transaction each), with its progress in `key_rotations` so a crash loses at most a batch.
 * One process works a job at a time (a lease renewed every batch; a dead holder's lease
 * lapses). A job finishes after a full pass, started once no instance can still write under
 * an older key (SETTLE_MS), finds nothing left to convert.
 */
export class DataKeyRotation {
  private stopping = false;

  constructor(
    private readonly db: Database,
    private readonly cipher: FieldCipher,
    private readonly holder: string,
    private readonly options: { batchSize?: number; pauseMs?: number } = {},
  ) {}

  /** DEK rotation: a new data key for new writes, and a job to move the old values to it. */
  async rotate(tenant: RotationTenant): Promise<number> {
    const version = await this.cipher.startNextVersion(tenant.id);
    await this.enqueue(tenant.id, version, 'rotate', SETTLE_MS);
    return version;
  }

  /** Plaintext from before field encryption: encrypt it under the current data key. */
  async enqueueLegacy(tenant: RotationTenant): Promise<void> {
    const ring = await this.cipher.keyRing(tenant.id, true);
    await this.enqueue(tenant.id, ring.current, 'legacy', 0);
  }

  async job(tenantId: string): Promise<Job | undefined> {
    return this.db.control
      .selectFrom('key_rotations')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
  }

  /** Tenants with an unfinished job. */
  async pending(): Promise<RotationTenant[]> {
    return this.db.control
      .selectFrom('key_rotations')
      .innerJoin('tenants', 'tenants.id', 'key_rotations.tenant_id')
      .select(['tenants.id as id', 'tenants.schema_name as schemaName'])
      .where('key_rotations.finished_at', 'is', null)
      .execute();
  }

  /** Ends the current run after its batch (server shutdown). */
  stop(): void {
    this.stopping = true;
  }

  /** Works the tenant's job until it finishes, `maxBatches` ran, or another process holds it. */
  async run(tenant: RotationTenant, maxBatches = Infinity): Promise<RotationReport> {
    const report: RotationReport = { state: 'none', targetVersion: null, converted: 0, failed: 0 };
    let batches = 0;
    let pass: { started: number; converted: number } | null = null;
    for (;;) {
      const job = await this.claim(tenant.id);
      if (job === null) {
        const existing = await this.job(tenant.id);
        report.targetVersion = existing?.target_version ?? null;
        report.state =
          existing === undefined ? 'none' : existing.finished_at === null ? 'busy' : 'finished';
        return report;
      }
      report.targetVersion = job.target_version;
      if (batches >= maxBatches || this.stopping) {
        await this.release(tenant.id);
        report.state = 'paused';
        return report;
      }
      // A pass counts toward finishing only if it began from the first row of every table.
      if (Object.keys(job.progress).length === 0) pass = { started: Date.now(), converted: 0 };
      // A table is done when its cursor is the empty list.
      const next = TARGETS.find((t) => (job.progress[t.name]?.length ?? 1) !== 0);
      if (next === undefined) {
        const settled = job.settle_until.getTime();
        if (pass !== null && pass.converted === 0 && pass.started >= settled) {
          await this.finish(job);
          report.state = 'finished';
          return report;
        }
        if (Date.now() < settled) await sleep(Math.min(settled - Date.now(), 500));
        pass = null;
        await this.saveProgress(job, {}, 0, 0);
        continue;
      }
      const done = await this.batch(tenant, job, next);
      batches += 1;
      report.converted += done.converted;
      report.failed += done.failed;
      if (pass !== null) pass.converted += done.converted;
      const progress = { ...job.progress, [next.name]: done.last ?? DONE };
      await this.saveProgress(job, progress, done.converted, done.failed);
      if (this.options.pauseMs !== undefined) await sleep(this.options.pauseMs);
    }
  }

  /** Runs the job to its end, waiting while another process holds it. */
  async runToEnd(tenant: RotationTenant): Promise<RotationReport> {
    for (;;) {
      const report = await this.run(tenant);
      if (report.state !== 'busy') return report;
      await sleep(1_000);
    }
  }

  private async enqueue(
    tenantId: string,
    version: number,
    reason: Job['reason'],
    settleMs: number,
  ): Promise<void> {
    const settleUntil = new Date(Date.now() + settleMs);
    await this.db.control
      .insertInto('key_rotations')
      .values({
        tenant_id: tenantId,
        target_version: version,
        reason,
        progress: '{}',
        // Set here, not by the database: compared later at millisecond precision.
        started_at: new Date(),
        settle_until: settleUntil,
      })
      .onConflict((oc) =>
        oc.column('tenant_id').doUpdateSet({
          target_version: version,
          // Unfinished legacy work stays legacy: its plaintext still needs encrypting.
          reason: sql<Job['reason']>`case when key_rotations.finished_at is null
            and key_rotations.reason = 'legacy' then 'legacy' else ${reason} end`,
          progress: '{}',
          converted: 0,
          failed: 0,
          started_at: new Date(),
          settle_until: settleUntil,
          finished_at: null,
        }),
      )
      .execute();
  }

  private async claim(tenantId: string): Promise<Job | null> {
    const now = new Date();
    const row = await this.db.control
      .updateTable('key_rotations')
      .set({ lease_holder: this.holder, lease_until: new Date(now.getTime() + LEASE_MS) })
      .where('tenant_id', '=', tenantId)
      .where('finished_at', 'is', null)
      .where((eb) =>
        eb.or([
          eb('lease_holder', 'is', null),
          eb('lease_holder', '=', this.holder),
          eb('lease_until', '<', now),
        ]),
      )
      .returningAll()
      .executeTakeFirst();
    return row ?? null;
  }

  /** Progress of this job only: a rotation started meanwhile reset it, and wins. */
  private async saveProgress(
    job: Job,
    progress: Record<string, string[]>,
    converted: number,
    failed: number,
  ): Promise<void> {
    await this.db.control
      .updateTable('key_rotations')
      .set({
        progress: JSON.stringify(progress),
        converted: sql<string>`converted + ${converted}`,
        failed: sql<string>`failed + ${failed}`,
      })
      .where('tenant_id', '=', job.tenant_id)
      .where('lease_holder', '=', this.holder)
      .where('target_version', '=', job.target_version)
      .where('started_at', '=', job.started_at)
      .execute();
  }

  private async finish(job: Job): Promise<void> {
    await this.db.control
      .updateTable('key_rotations')
      .set({ finished_at: new Date(), lease_holder: null, lease_until: null })
      .where('tenant_id', '=', job.tenant_id)
      .where('lease_holder', '=', this.holder)
      .where('started_at', '=', job.started_at)
      .execute();
  }

  private async release(tenantId: string): Promise<void> {
    await this.db.control
      .updateTable('key_rotations')
      .set({ lease_holder: null, lease_until: null })
      .where('tenant_id', '=', tenantId)
      .where('lease_holder', '=', this.holder)
      .execute();
  }

  /** One batch of one table: read outside, convert in memory, write in one short transaction. */
  private async batch(
    tenant: RotationTenant,
    job: Job,
    target: Target,
  ): Promise<{ converted: number; failed: number; last: string[] | null }> {
    const executor = target.control
      ? this.db.control
      : this.db.forTenant(tenant.id, tenant.schemaName).db;
    const rows = await selectStale(executor, tenant, job, target, this.options.batchSize ?? 200);
    if (rows.length === 0) return { converted: 0, failed: 0, last: null };
    const ring = await this.cipher.keyRing(tenant.id, true);
    const updates: { row: Row; values: Row }[] = [];
    let failed = 0;
    for (const row of rows) {
      const values = convert(ring, job, target, row);
      if (values === null) failed += 1;
      else updates.push({ row, values });
    }
    let converted = 0;
    const write = async (trx: QueryExecutorProvider) => {
      for (const { row, values } of updates)
        converted += await updateRow(trx, tenant, target, row, values);
    };
    if (target.control) await this.db.control.transaction().execute(write);
    else await this.db.forTenant(tenant.id, tenant.schemaName).transaction(write);
    const lastRow = rows[rows.length - 1] ?? {};
    return { converted, failed, last: target.key.map(([column]) => String(lastRow[column])) };
  }
}

function tableRef(tenant: RotationTenant, target: Target) {
  return sql.table(`${target.control ? CONTROL_SCHEMA : tenant.schemaName}.${target.table}`);
}

/** The next rows (after the cursor) holding any value not under the job's version. */
async function selectStale(
  executor: QueryExecutorProvider,
  tenant: RotationTenant,
  job: Job,
  target: Target,
  limit: number,
): Promise<Row[]> {
  const prefix = `mc1.${String(job.target_version)}.%`;
  const stale = sql.join(
    target.columns.map(
      (c) => sql`(${sql.ref(c)} is not null and ${sql.ref(c)} not like ${prefix})`,
    ),
    sql` or `,
  );
  const keyList = sql.join(target.key.map(([c]) => sql.ref(c)));
  const cursor = job.progress[target.name];
  const after =
    cursor === undefined || cursor.length === 0
      ? sql`true`
      : sql`(${keyList}) > (${sql.join(
          target.key.map(([, type], i) => sql`cast(${cursor[i] ?? ''} as ${sql.raw(type)})`),
        )})`;
  const tenantOnly = target.control ? sql`tenant_id = ${tenant.id}` : sql`true`;
  const columns = sql.join(
    [...target.key.map(([c]) => c), ...target.columns].map((c) => sql.ref(c)),
  );
  const result = await sql<Row>`select ${columns} from ${tableRef(tenant, target)}
    where ${tenantOnly} and ${after} and (${stale})
    order by ${keyList} limit ${limit}`.execute(executor);
  return result.rows;
}

/** The row's stale values under the job's version, or null when one cannot be opened. */
function convert(ring: KeyRing, job: Job, target: Target, row: Row): Row | null {
  const rowId = target.key.map(([c]) => String(row[c])).join('/');
  const values: Row = {};
  try {
    for (const column of target.columns) {
      const stored = row[column];
      if (typeof stored !== 'string' || stored.startsWith(`mc1.${String(job.target_version)}.`))
        continue;
      const context = { table: target.table, column, rowId };
      // Plaintext is accepted only by the legacy job: anywhere else it is a fault, not data.
      if (ciphertextVersion(stored) === null && job.reason !== 'legacy')
        throw new DecryptionError();
      const plaintext = ciphertextVersion(stored) === null ? stored : ring.open(context, stored);
      values[column] = ring.seal(context, plaintext, job.target_version);
      if (target.table === 'patients' && column === 'insurance_number') {
        values.insurance_number_bidx = ring.blindIndex(
          INSURANCE_NUMBER_INDEX,
          normalizeInsuranceNumber(plaintext),
        );
      }
    }
  } catch {
    return null;
  }
  return values;
}

/** Compare-and-set: a value changed since it was read (a request wrote it) is left alone. */
async function updateRow(
  trx: QueryExecutorProvider,
  tenant: RotationTenant,
  target: Target,
  row: Row,
  values: Row,
): Promise<number> {
  const sets = sql.join(Object.entries(values).map(([c, v]) => sql`${sql.ref(c)} = ${v}`));
  const same = target.columns.map((c) => sql`${sql.ref(c)} is not distinct from ${row[c]}`);
  const keys = target.key.map(
    ([c, type]) => sql`${sql.ref(c)} = cast(${String(row[c])} as ${sql.raw(type)})`,
  );
  const result = await sql`update ${tableRef(tenant, target)} set ${sets}
    where ${sql.join([...keys, ...same], sql` and `)}`.execute(trx);
  return Number(result.numAffectedRows ?? 0n);
}
