import type { Kysely } from 'kysely';
import type { TenantDatabase } from '../../platform/db/tables.js';

/** The tenant tables, as the importer writes them. */
export type ImportDb = Kysely<TenantDatabase>;

/** Who wrote the versions and rows the importer creates. */
export const IMPORT_AUTHOR = 'FHIR import';
