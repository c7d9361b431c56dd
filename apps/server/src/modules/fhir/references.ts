/**
 * Where an imported resource lives in its source, as kept in `external_refs`
 * (resource_type, source, external_id). The sources:
 * - `urn:uuid` — transaction bundles (Synthea) name entries `urn:uuid:<id>`;
 * - `relative` — plain resources (JP Core examples) and the `Type/id` references between them;
 * - a server base URL — for entries whose fullUrl is `<base>/Type/id`;
 * - `identifier|<system>` — a Practitioner's or Organization's business identifier, so a
 *   conditional reference (`Practitioner?identifier=<system>|<value>`) finds it from any file.
 */
export interface RefKey {
  type: string;
  source: string;
  id: string;
}

export const URN_UUID = 'urn:uuid';
export const RELATIVE = 'relative';
const IDENTIFIER = 'identifier|';

const TYPE = '[A-Z][A-Za-z]{1,63}';
const ID = '[A-Za-z0-9\\-.]{1,64}';
const ABSOLUTE = new RegExp(`^(https?://.+)/(${TYPE})/(${ID})(/_history/[^/]+)?$`);
const RELATIVE_REF = new RegExp(`^(${TYPE})/(${ID})(/_history/[^/]+)?$`);
const CONDITIONAL = new RegExp(`^(${TYPE})\\?identifier=([^&]+)$`);

export function keyString(key: RefKey): string {
  return `${key.type}|${key.source}|${key.id}`;
}

/** The id space that relative references inside this entry point into (FHIR §2.36.4.1). */
export function baseOf(fullUrl: string | null): string {
  const absolute = fullUrl === null ? null : ABSOLUTE.exec(fullUrl);
  return absolute?.[1] ?? RELATIVE;
}

/** The key a resource is recorded under; null when it has neither fullUrl nor id. */
export function resourceKey(
  type: string,
  id: string | undefined,
  fullUrl: string | null,
): RefKey | null {
  if (fullUrl?.startsWith(`${URN_UUID}:`) === true) {
    return { type, source: URN_UUID, id: fullUrl.slice(URN_UUID.length + 1) };
  }
  const absolute = fullUrl === null ? null : ABSOLUTE.exec(fullUrl);
  if (absolute?.[1] !== undefined && absolute[3] !== undefined) {
    return { type, source: absolute[1], id: absolute[3] };
  }
  return id === undefined ? null : { type, source: RELATIVE, id };
}

export function identifierKey(type: string, system: string | null, value: string): RefKey {
  return { type, source: `${IDENTIFIER}${system ?? ''}`, id: value };
}

/**
 * The key a reference points at, or null when it cannot point at an imported resource of the
 * expected type (a contained `#id`, another type, a search we do not support).
 */
export function referenceKey(reference: string, expectedType: string, base: string): RefKey | null {
  if (reference.startsWith(`${URN_UUID}:`)) {
    return { type: expectedType, source: URN_UUID, id: reference.slice(URN_UUID.length + 1) };
  }
  const conditional = CONDITIONAL.exec(reference);
  if (conditional?.[1] !== undefined && conditional[2] !== undefined) {
    if (conditional[1] !== expectedType) return null;
    const token = safeDecode(conditional[2]);
    if (token === null) return null;
    const bar = token.indexOf('|');
    return bar < 0
      ? identifierKey(expectedType, null, token)
      : identifierKey(expectedType, token.slice(0, bar), token.slice(bar + 1));
  }
  const absolute = ABSOLUTE.exec(reference);
  if (absolute?.[1] !== undefined && absolute[3] !== undefined) {
    return absolute[2] === expectedType
      ? { type: expectedType, source: absolute[1], id: absolute[3] }
      : null;
  }
  const relative = RELATIVE_REF.exec(reference);
  if (relative?.[2] !== undefined) {
    return relative[1] === expectedType
      ? { type: expectedType, source: base, id: relative[2] }
      : null;
  }
  return null;
}

function safeDecode(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}
