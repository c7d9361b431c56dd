import crypto from 'node:crypto';

/**
 * FHIR arrives as untyped JSON. `At` walks it with the JSON path of every value, so a mapping
 * failure names the exact place in the file (`$.entry[12].resource.period.start`).
 */
export class MappingError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'MappingError';
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class At {
  constructor(
    readonly value: unknown,
    readonly path: string,
  ) {}

  get present(): boolean {
    return this.value !== undefined && this.value !== null;
  }

  key(name: string): At {
    const value = isRecord(this.value) ? this.value[name] : undefined;
    return new At(value, `${this.path}.${name}`);
  }

  /** The elements of an array property; absent means none. */
  items(name: string): At[] {
    const field = this.key(name);
    if (!field.present) return [];
    if (!Array.isArray(field.value)) throw field.error('must be an array');
    return field.value.map((item, index) => new At(item, `${field.path}[${index}]`));
  }

  string(name: string): string | undefined {
    const field = this.key(name);
    if (!field.present) return undefined;
    if (typeof field.value !== 'string') throw field.error('must be a string');
    const trimmed = field.value.trim();
    return trimmed === '' ? undefined : trimmed;
  }

  number(name: string): number | undefined {
    const field = this.key(name);
    if (!field.present) return undefined;
    if (typeof field.value !== 'number' || !Number.isFinite(field.value)) {
      throw field.error('must be a number');
    }
    return field.value;
  }

  boolean(name: string): boolean | undefined {
    const field = this.key(name);
    if (!field.present) return undefined;
    if (typeof field.value !== 'boolean') throw field.error('must be true or false');
    return field.value;
  }

  /** An object property; a present value of another type is malformed. */
  object(name: string): At | undefined {
    const field = this.key(name);
    if (!field.present) return undefined;
    if (!isRecord(field.value)) throw field.error('must be an object');
    return field;
  }

  error(message: string): MappingError {
    return new MappingError(this.path, message);
  }
}

// FHIR dateTime: a year, year-month, date, or date with time; a time needs its offset.
const DATE_TIME =
  /^(\d{4})(-(\d{2})(-(\d{2})(T(\d{2}):(\d{2})(:(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?)?)?$/;

/**
 * A point in time from a FHIR date/dateTime/instant: the ISO instant when the value carries a
 * time of day, `null` for a bare (or partial) date, which names no instant. Malformed → error.
 */
export function instantOf(at: At): string | null {
  const value = at.value;
  if (typeof value !== 'string') throw at.error('not a date-time');
  const match = DATE_TIME.exec(value);
  if (match === null) throw at.error('not a date-time');
  const [, year, , month, , day, time] = match;
  if (month !== undefined && !validDate(Number(year), Number(month), Number(day ?? 1))) {
    throw at.error('not a date-time');
  }
  if (time === undefined) return null;
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw at.error('not a date-time');
  return parsed.toISOString();
}

/** A full calendar date (YYYY-MM-DD), `null` for a partial one; malformed → error. */
export function dateOf(at: At): string | null {
  const value = at.value;
  if (typeof value !== 'string') throw at.error('not a date');
  const match = /^(\d{4})(-(\d{2})(-(\d{2}))?)?$/.exec(value);
  if (match === null) throw at.error('not a date');
  const [, year, , month, , day] = match;
  if (month !== undefined && !validDate(Number(year), Number(month), Number(day ?? 1))) {
    throw at.error('not a date');
  }
  return day === undefined ? null : value;
}

function validDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** JSON with sorted keys, so equal content hashes equally whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function contentHash(value: unknown): string {
  return crypto.createHash('sha256').update(canonicalJson(value)).digest('hex');
}
