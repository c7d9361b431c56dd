import { invalid } from './errors.js';

export const DEFAULT_LIMIT = 20;

export function pageLimit(raw: string | undefined): number {
  return raw === undefined ? DEFAULT_LIMIT : Number(raw);
}

/** Cursors are opaque to clients: base64url of the sort key of the last item they saw. */
export function encodeCursor(key: (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor(raw: string | undefined, arity: number): string[] | null {
  if (raw === undefined) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === arity && parsed.every((v) => typeof v === 'string')) {
      return parsed;
    }
  } catch {
    // falls through to the validation error
  }
  throw invalid('/cursor', 'is not a cursor this API issued');
}
