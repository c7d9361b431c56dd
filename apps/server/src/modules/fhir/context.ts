import type { Kysely } from 'kysely';
import type { TenantDatabase } from '../../platform/db/tables.js';
import type { TenantFields } from '../../platform/keys/tenant-fields.js';
import type { RefDraft } from './elements.js';
import { EncounterVersions } from './encounter-versions.js';
import { canonicalJson, contentHash } from './json.js';
import { Pending, Skipped, TAKEN, UNCHANGED, UPDATED, type Outcome } from './outcome.js';
import { identifierKey, keyString, referenceKey, type RefKey } from './references.js';
import type { ImportDb } from './tables.js';

/** A reference to a resource this file met but did not take. */
const SKIPPED = Symbol('skipped');

/**
 * Everything one file's import shares, inside that file's transaction: what the file has
 * imported so far (so its references resolve without a query), the patients it touched, and
 * the encounter versions it may still write into.
 */
export class FileImport {
  readonly db: ImportDb;
  readonly versions: EncounterVersions;
  /** Patients the file created, updated or met: they join the assignee's care team. */
  readonly patients = new Set<string>();
  readonly now = new Date();
  /** Set for the last pass: a reference that still does not resolve is left unlinked. */
  allowUnresolved = false;
  /** Keys this file wrote: a file waiting for one of them is worth another try. */
  readonly provided = new Set<string>();
  /** Key → local id; null for a resource this file saw but did not take. */
  private readonly known = new Map<string, string | null>();
  private readonly practitionerNames = new Map<string, string>();
  private readonly encounterPatients = new Map<string, string>();

  constructor(
    readonly trx: Kysely<TenantDatabase>,
    /** Every encrypted column is sealed through it before a write, opened after a read. */
    readonly fields: TenantFields,
  ) {
    this.db = trx;
    this.versions = new EncounterVersions(this.db, fields, this.now);
  }

  /** The local id behind a reference; a missing target skips the resource (or waits for it). */
  async required(ref: RefDraft, type: string, base: string): Promise<string> {
    const found = await this.resolve(ref, type, base);
    if (found === SKIPPED) throw new Skipped(`${type} was skipped`);
    if (found === null) throw new Skipped(`${type} not found`);
    return found;
  }

  /** The local id behind a reference, or null: the link is optional. */
  async optional(ref: RefDraft | null, type: string, base: string): Promise<string | null> {
    const found = ref === null ? null : await this.resolve(ref, type, base);
    return found === SKIPPED ? null : found;
  }

  /**
   * Inserts a new resource, or updates one imported before when its content changed. The hash
   * covers the mapped rows with resolved links, not the raw JSON: the same Practitioner is
   * written with different extensions in different Synthea files, and must not flip-flop.
   */
  async upsert(
    keys: RefKey[],
    content: unknown,
    write: {
      insert(): Promise<string>;
      update(localId: string): Promise<Outcome>;
    },
  ): Promise<{ outcome: Outcome; localId: string }> {
    const canonical = canonicalJson(content);
    const hash = await this.fields.digest('fhir.content', canonical);
    const found = await this.lookup(keys);
    if (found === null) {
      const localId = await write.insert();
      await this.record(keys, localId, hash);
      return { outcome: TAKEN, localId };
    }
    this.remember(keys, found.localId);
    // Imports from before field encryption stored an unkeyed hash: still the same content.
    if (found.hash === hash || found.hash === contentHash(content)) {
      // Met under another key (a conditional reference's identifier): keep every key from now on.
      if (!found.byFirstKey || found.hash !== hash) await this.record(keys, found.localId, hash);
      return { outcome: UNCHANGED, localId: found.localId };
    }
    const outcome = await write.update(found.localId);
    if (outcome.kind !== 'updated') return { outcome, localId: found.localId };
    const localId = outcome.localId ?? found.localId;
    await this.record(keys, localId, hash);
    return { outcome: UPDATED, localId };
  }

  /** Later references to a resource this file skipped skip too, instead of waiting for it. */
  markNotImported(key: RefKey): void {
    const name = keyString(key);
    if (!this.known.has(name)) this.known.set(name, null);
  }

  async practitionerName(id: string): Promise<string | null> {
    const cached = this.practitionerNames.get(id);
    if (cached !== undefined) return cached;
    const row = await this.db
      .selectFrom('practitioners')
      .select('name')
      .where('id', '=', id)
      .executeTakeFirst();
    if (row !== undefined) this.practitionerNames.set(id, row.name);
    return row?.name ?? null;
  }

  /** Whose encounter this is: most clinical resources check it, so it is cached per file. */
  async patientOfEncounter(id: string): Promise<string> {
    const cached = this.encounterPatients.get(id);
    if (cached !== undefined) return cached;
    const row = await this.db
      .selectFrom('encounters')
      .select('patient_id')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    this.encounterPatients.set(id, row.patient_id);
    return row.patient_id;
  }

  private async resolve(
    ref: RefDraft,
    type: string,
    base: string,
  ): Promise<string | typeof SKIPPED | null> {
    const key =
      ref.reference !== null
        ? referenceKey(ref.reference, type, base)
        : ref.identifier === null
          ? null
          : identifierKey(type, ref.identifier.system, ref.identifier.value);
    if (key === null) return null;
    const name = keyString(key);
    const known = this.known.get(name);
    if (known !== undefined) {
      return known ?? SKIPPED;
    }
    const found = await this.lookup([key]);
    if (found !== null) return found.localId;
    if (this.allowUnresolved) return null;
    throw new Pending(name);
  }

  private async lookup(
    keys: RefKey[],
  ): Promise<{ localId: string; hash: string; byFirstKey: boolean } | null> {
    for (const [index, key] of keys.entries()) {
      const row = await this.db
        .selectFrom('external_refs')
        .select(['local_id', 'content_hash'])
        .where('resource_type', '=', key.type)
        .where('source', '=', key.source)
        .where('external_id', '=', key.id)
        .executeTakeFirst();
      if (row !== undefined) {
        this.known.set(keyString(key), row.local_id);
        return { localId: row.local_id, hash: row.content_hash, byFirstKey: index === 0 };
      }
    }
    return null;
  }

  private async record(keys: RefKey[], localId: string, hash: string): Promise<void> {
    // One row per distinct key: a resource may list the same identifier twice.
    const distinct = [...new Map(keys.map((key) => [keyString(key), key])).values()];
    await this.db
      .insertInto('external_refs')
      .values(
        distinct.map((key) => ({
          resource_type: key.type,
          source: key.source,
          external_id: key.id,
          local_id: localId,
          content_hash: hash,
          imported_at: this.now,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['resource_type', 'source', 'external_id']).doUpdateSet((eb) => ({
          local_id: eb.ref('excluded.local_id'),
          content_hash: eb.ref('excluded.content_hash'),
          imported_at: eb.ref('excluded.imported_at'),
        })),
      )
      .execute();
    this.remember(keys, localId);
    for (const key of distinct) this.provided.add(keyString(key));
  }

  private remember(keys: RefKey[], localId: string): void {
    for (const key of keys) this.known.set(keyString(key), localId);
  }
}
