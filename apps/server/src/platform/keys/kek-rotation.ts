import type { Kysely } from 'kysely';
import type { ControlDatabase } from '../db/tables.js';
import type { KeyProvider } from './key-provider.js';

const BATCH = 100;

export interface RewrapReport {
  rewrapped: number;
  /** Keys that could not be rewrapped (their KEK is missing or refused): still under old KEKs. */
  failed: number;
  /** KEK ids some stored key still names. */
  inUse: string[];
}

/**
 * KEK rotation: every wrapped data key and index key not under the provider's current KEK is
 * rewrapped under it, one row at a time (compare-and-set on the old KEK id). Idempotent: run
 * again after a crash, it picks up the rows still left. The data keys themselves do not
 * change, so no field is re-encrypted and cached keys stay valid.
 */
export async function rewrapAll(
  control: Kysely<ControlDatabase>,
  provider: KeyProvider,
): Promise<RewrapReport> {
  const current = provider.currentKekId();
  const report: RewrapReport = { rewrapped: 0, failed: 0, inUse: [] };

  let after: [string, number] = ['00000000-0000-0000-0000-000000000000', -1];
  for (;;) {
    const [tenantId, version] = after;
    const rows = await control
      .selectFrom('tenant_keys')
      .select(['tenant_id', 'version', 'wrapped_key', 'kek_id'])
      .where('kek_id', '<>', current)
      .where((eb) =>
        eb.or([
          eb('tenant_id', '>', tenantId),
          eb.and([eb('tenant_id', '=', tenantId), eb('version', '>', version)]),
        ]),
      )
      .orderBy('tenant_id')
      .orderBy('version')
      .limit(BATCH)
      .execute();
    if (rows.length === 0) break;
    for (const row of rows) {
      const next = await rewrapOne(provider, row, report);
      if (next === null) continue;
      await control
        .updateTable('tenant_keys')
        .set({ wrapped_key: next.wrapped, kek_id: next.kekId })
        .where('tenant_id', '=', row.tenant_id)
        .where('version', '=', row.version)
        .where('kek_id', '=', row.kek_id)
        .execute();
      report.rewrapped += 1;
    }
    const last = rows[rows.length - 1];
    if (last !== undefined) after = [last.tenant_id, last.version];
  }

  const indexKeys = await control
    .selectFrom('tenant_index_keys')
    .select(['tenant_id', 'wrapped_key', 'kek_id'])
    .where('kek_id', '<>', current)
    .execute();
  for (const row of indexKeys) {
    const next = await rewrapOne(provider, row, report);
    if (next === null) continue;
    await control
      .updateTable('tenant_index_keys')
      .set({ wrapped_key: next.wrapped, kek_id: next.kekId })
      .where('tenant_id', '=', row.tenant_id)
      .where('kek_id', '=', row.kek_id)
      .execute();
    report.rewrapped += 1;
  }

  report.inUse = await kekIdsInUse(control);
  return report;
}

export async function kekIdsInUse(control: Kysely<ControlDatabase>): Promise<string[]> {
  const data = await control.selectFrom('tenant_keys').select('kek_id').distinct().execute();
  const index = await control.selectFrom('tenant_index_keys').select('kek_id').distinct().execute();
  return [...new Set([...data, ...index].map((row) => row.kek_id))].sort();
}

async function rewrapOne(
  provider: KeyProvider,
  row: { wrapped_key: Buffer; kek_id: string },
  report: RewrapReport,
) {
  try {
    return await provider.rewrap({ wrapped: Buffer.from(row.wrapped_key), kekId: row.kek_id });
  } catch {
    report.failed += 1;
    return null;
  }
}
