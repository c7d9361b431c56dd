import type { At } from './json.js';

/** Readers for the FHIR datatypes the mappings share (Coding, Reference, Address, …). */

export interface Coding {
  system: string | null;
  code: string | null;
  display: string | null;
}

export interface Identifier {
  system: string | null;
  value: string;
}

/** A reference as written in the file; resolved later, against the database and the file. */
export interface RefDraft {
  reference: string | null;
  /** A logical reference (`{identifier: {system, value}}`), used where no literal one is given. */
  identifier: Identifier | null;
  display: string | null;
  path: string;
}

/** A resource that is well-formed but that we do not take, and why. */
export interface Skip {
  skip: string;
}

export function codings(concept: At | undefined): Coding[] {
  if (concept === undefined) return [];
  return concept.items('coding').map((coding) => ({
    system: coding.string('system') ?? null,
    code: coding.string('code') ?? null,
    display: coding.string('display') ?? null,
  }));
}

/** What a person reads for a CodeableConcept: its text, else the first coding's display. */
export function conceptText(concept: At | undefined): string | undefined {
  if (concept === undefined) return undefined;
  return (
    concept.string('text') ?? codings(concept).find((c) => c.display !== null)?.display ?? undefined
  );
}

export function readRef(at: At | undefined): RefDraft | null {
  if (at === undefined) return null;
  const identifier = at.object('identifier');
  const value = identifier?.string('value');
  const draft: RefDraft = {
    reference: at.string('reference') ?? null,
    identifier:
      value === undefined ? null : { system: identifier?.string('system') ?? null, value },
    display: at.string('display') ?? null,
    path: at.path,
  };
  return draft.reference === null && draft.identifier === null && draft.display === null
    ? null
    : draft;
}

export function identifiers(resource: At): Identifier[] {
  return resource.items('identifier').flatMap((identifier) => {
    const value = identifier.string('value');
    return value === undefined ? [] : [{ system: identifier.string('system') ?? null, value }];
  });
}

/** The first contact point of a kind (phone, email), preferring one that is not `old`. */
export function contact(resource: At, system: 'phone' | 'email'): string | undefined {
  const points = resource.items('telecom').filter((point) => point.string('system') === system);
  const current = points.find((point) => point.string('use') !== 'old') ?? points[0];
  return current?.string('value');
}

/**
 * An address as one line of text. Japanese addresses read from the prefecture down, without
 * separators (東京都文京区本郷…); others read from the street up, comma-separated.
 */
export function addressOf(resource: At): { text: string | null; postalCode: string | null } {
  const addresses = resource.items('address');
  const address = addresses.find((a) => a.string('use') === 'home') ?? addresses[0];
  if (address === undefined) return { text: null, postalCode: null };
  const postalCode = address.string('postalCode')?.normalize('NFKC') ?? null;
  const text = address.string('text');
  if (text !== undefined) return { text, postalCode };
  const lines = address.items('line').map((line) => {
    if (typeof line.value !== 'string') throw line.error('must be a string');
    return line.value.trim();
  });
  const [city, state, country] = ['city', 'state', 'country'].map((key) => address.string(key));
  const japanese = country === 'JP' || country === 'JPN' || country === '日本';
  const parts = japanese ? [state, city, ...lines] : [...lines, city, state, country];
  const joined = parts
    .filter((part) => part !== undefined && part !== '')
    .join(japanese ? '' : ', ');
  return { text: joined === '' ? null : joined, postalCode };
}
