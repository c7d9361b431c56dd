import { sql, type Expression, type SqlBool } from 'kysely';
import { invalid } from './errors.js';

export const DEFAULT_LIMIT = 20;

export function pageLimit(raw: string | undefined): number {
  return raw === undefined ? DEFAULT_LIMIT : Number(raw);
}

/** Cursors are opaque to clients: base64url of the sort key of the last item they saw. */
export function encodeCursor(key: (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/**
 * What each position of a cursor holds. A cursor comes back from the client, so it is checked
 * like any input: a forged one is a 400, never a database error.
 */
export type CursorPart = 'text' | 'uuid' | 'time' | 'time-or-empty' | 'integer';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function fits(value: unknown, part: CursorPart): boolean {
  if (typeof value !== 'string') return false;
  switch (part) {
    case 'text':
      return !value.includes('\u0000');
    case 'uuid':
      return UUID.test(value);
    case 'time':
      return ISO_TIME.test(value) && !Number.isNaN(Date.parse(value));
    case 'time-or-empty':
      return value === '' || fits(value, 'time');
    case 'integer':
      return /^[1-9][0-9]{0,17}$/.test(value);
  }
}

export function decodeCursor(
  raw: string | undefined,
  parts: readonly CursorPart[],
): string[] | null {
  if (raw === undefined) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === parts.length &&
      parts.every((part, i) => fits(parsed[i], part))
    ) {
      return parsed as string[];
    }
  } catch {
    // falls through to the validation error
  }
  throw invalid('/cursor', 'is not a cursor this API issued');
}

/**
 * Lists newest first by (created_at, id), such as a patient's files and prescriptions: the rows
 * after the cursor the client sent (null: the first page). A row comparison, so a row with the
 * same created_at as the cursor's is neither repeated nor skipped.
 */
export function createdBeforeCursor(raw: string | undefined): Expression<SqlBool> | null {
  const after = decodeCursor(raw, ['time', 'uuid']);
  if (after === null) return null;
  const [time = '', id = ''] = after;
  return sql<SqlBool>`(${sql.ref('created_at')}, ${sql.ref('id')}) < (${new Date(time)}, ${id})`;
}

/** A page of such a list fetched with `limit + 1` rows: what to answer, and the next cursor. */
export function createdAtPage<Row extends { created_at: Date; id: string }>(
  rows: Row[],
  limit: number,
): { page: Row[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    page,
    nextCursor:
      rows.length > limit && last !== undefined
        ? encodeCursor([last.created_at.toISOString(), last.id])
        : null,
  };
}
