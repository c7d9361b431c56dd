import crypto from 'node:crypto';
import type { TenantFields } from '../../platform/keys/tenant-fields.js';
import { Skipped } from './outcome.js';
import { IMPORT_AUTHOR, type ImportDb } from './tables.js';

/**
 * Which version of an encounter this file may write its note and diagnoses into. A note is
 * never overwritten (SPEC §5, 真正性): a version the import created in this same transaction
 * is still being written and may be filled in; anything committed before gets a new version,
 * authored by the import with reason "re-import", which starts as a copy of the current one.
 * Once a person has amended the encounter, the import leaves it alone.
 */
export class EncounterVersions {
  private readonly open = new Map<string, number>();

  constructor(
    private readonly db: ImportDb,
    private readonly fields: TenantFields,
    private readonly now: Date,
  ) {}

  /** A new encounter: its version 1 belongs to this transaction. */
  created(encounterId: string): void {
    this.open.set(encounterId, 1);
  }

  /** The current version's note; skips the resource when a person wrote that version. */
  async currentNote(encounterId: string) {
    const sealed = await this.db
      .selectFrom('encounters')
      .innerJoin('encounter_versions', (join) =>
        join
          .onRef('encounter_versions.encounter_id', '=', 'encounters.id')
          .onRef('encounter_versions.version', '=', 'encounters.current_version'),
      )
      .select([
        'encounter_versions.version',
        'subjective',
        'objective',
        'assessment',
        'plan',
        'author_id',
        'author_name',
      ])
      .where('encounters.id', '=', encounterId)
      .executeTakeFirstOrThrow();
    const current = await this.fields.open(
      'encounter_versions',
      sealed,
      `${encounterId}/${String(sealed.version)}`,
    );
    if (current.author_id !== null || current.author_name !== IMPORT_AUTHOR) {
      throw new Skipped('amended in MediConnect since the import');
    }
    return current;
  }

  /** The version to write into, creating the re-import version on first use. */
  async writable(encounterId: string): Promise<number> {
    const open = this.open.get(encounterId);
    if (open !== undefined) return open;
    const current = await this.currentNote(encounterId);
    const next = current.version + 1;

    // Conditional on the version read: an amendment landing meanwhile fails this file instead.
    const moved = await this.db
      .updateTable('encounters')
      .set({ current_version: next, updated_at: this.now })
      .where('id', '=', encounterId)
      .where('current_version', '=', current.version)
      .executeTakeFirst();
    if (moved.numUpdatedRows !== 1n) throw new Error('the encounter changed during the import');
    // The copy is a new row: its values are sealed again, bound to the new version.
    const note = await this.fields.seal('encounter_versions', `${encounterId}/${String(next)}`, {
      subjective: current.subjective,
      objective: current.objective,
      assessment: current.assessment,
      plan: current.plan,
      reason: 're-import',
    });
    await this.db
      .insertInto('encounter_versions')
      .values({
        encounter_id: encounterId,
        version: next,
        ...note,
        author_id: null,
        author_name: IMPORT_AUTHOR,
        created_at: this.now,
      })
      .execute();
    await this.copyDiagnoses(encounterId, current.version, next);
    this.open.set(encounterId, next);
    return next;
  }

  async nextPosition(encounterId: string, version: number): Promise<number> {
    const row = await this.db
      .selectFrom('diagnoses')
      .select((eb) => eb.fn.max('position').as('last'))
      .where('encounter_id', '=', encounterId)
      .where('version', '=', version)
      .executeTakeFirst();
    return row?.last == null ? 0 : row.last + 1;
  }

  /** Carries the diagnoses forward; each Condition's external ref follows its row. */
  private async copyDiagnoses(encounterId: string, from: number, to: number): Promise<void> {
    const rows = await this.db
      .selectFrom('diagnoses')
      .selectAll()
      .where('encounter_id', '=', encounterId)
      .where('version', '=', from)
      .orderBy('position')
      .execute();
    if (rows.length === 0) return;
    // New ids: each copied value is opened and sealed again under its new row.
    const copies = await Promise.all(
      rows.map(async (sealed) => {
        const row = await this.fields.open('diagnoses', sealed);
        const id = crypto.randomUUID();
        return {
          from: row.id,
          row: await this.fields.seal('diagnoses', id, { ...row, id, version: to }),
        };
      }),
    );
    await this.db
      .insertInto('diagnoses')
      .values(copies.map((copy) => copy.row))
      .execute();
    for (const copy of copies) {
      await this.db
        .updateTable('external_refs')
        .set({ local_id: copy.row.id })
        .where('resource_type', '=', 'Condition')
        .where('local_id', '=', copy.from)
        .execute();
    }
  }
}
