import type { Sex } from '../../platform/db/tables.js';
import { normalizeDigits, parseInsurerNumber } from '../patients/insurance.js';
import { sortName, toKatakana } from '../patients/service.js';
import {
  addressOf,
  contact,
  identifiers,
  readRef,
  type Identifier,
  type RefDraft,
  type Skip,
} from './elements.js';
import { dateOf, type At } from './json.js';

/**
 * Pure mappings from the administrative resources to rows: no database, no clock. A malformed
 * value throws a MappingError naming its JSON path; a well-formed resource we cannot take
 * returns a Skip with the reason the summary shows.
 */

export interface PatientRow {
  family_name: string;
  given_name: string;
  family_name_kana: string | null;
  given_name_kana: string | null;
  sort_name: string;
  birth_date: string;
  sex: Sex;
  phone: string | null;
  email: string | null;
  postal_code: string | null;
  address: string | null;
}

export interface PractitionerRow {
  name: string;
  identifiers: Identifier[];
}

export interface OrganizationRow extends PractitionerRow {
  address: string | null;
  phone: string | null;
}

export interface InsuranceDraft {
  beneficiary: RefDraft;
  payor: RefDraft | null;
  symbol: string | null;
  number: string | null;
  branch: string | null;
}

// The ISO 21090 name representation JP Core uses: IDE = kanji, SYL = kana (phonetic).
const EN_REPRESENTATION = 'http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation';
const KATAKANA = /^[\u30A1-\u30FA\u30FC\u30FB\u3000 ]+$/;
const GENDERS: readonly Sex[] = ['male', 'female', 'other', 'unknown'];

export function mapPatient(patient: At): PatientRow | Skip {
  const names = splitNames(patient);
  const written = names.written;
  if (written === null) return { skip: 'no family or given name' };
  const birth = patient.key('birthDate');
  if (!birth.present) return { skip: 'no birth date' };
  const birthDate = dateOf(birth);
  if (birthDate === null) return { skip: 'birth date is not a full date' };
  const kana = names.kana !== null ? katakanaName(names.kana) : null;
  const address = addressOf(patient);
  const phone = contact(patient, 'phone');
  return {
    family_name: written.family,
    given_name: written.given,
    family_name_kana: kana?.family ?? null,
    given_name_kana: kana?.given ?? null,
    sort_name: sortName(written.family, written.given, kana?.family ?? null, kana?.given ?? null),
    birth_date: birthDate,
    sex: sexOf(patient),
    phone: phone === undefined ? null : normalizeDigits(phone),
    email: contact(patient, 'email') ?? null,
    postal_code: address.postalCode,
    address: address.text,
  };
}

export function mapPractitioner(practitioner: At): PractitionerRow {
  const names = splitNames(practitioner);
  return { name: names.display ?? 'unknown', identifiers: identifiers(practitioner) };
}

export function mapOrganization(organization: At): OrganizationRow {
  const phone = contact(organization, 'phone');
  return {
    name: organization.string('name') ?? 'unknown',
    identifiers: identifiers(organization),
    address: addressOf(organization).text,
    phone: phone === undefined ? null : normalizeDigits(phone),
  };
}

// JP Core Coverage: 記号・番号・枝番 as extensions (JP_Coverage_InsuredPerson…).
const JP_COVERAGE = 'http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Coverage_';

export function mapCoverage(coverage: At): InsuranceDraft | Skip {
  const status = coverage.string('status');
  if (status === 'cancelled' || status === 'entered-in-error') return { skip: `status ${status}` };
  const beneficiary = readRef(coverage.object('beneficiary'));
  if (beneficiary === null) return { skip: 'no beneficiary' };
  const extension = (name: string) =>
    coverage
      .items('extension')
      .find((e) => e.string('url') === `${JP_COVERAGE}${name}`)
      ?.string('valueString') ?? null;
  return {
    beneficiary,
    payor:
      coverage
        .items('payor')
        .map((payor) => readRef(payor))
        .find((ref) => ref !== null) ?? null,
    symbol: extension('InsuredPersonSymbol'),
    number: extension('InsuredPersonNumber')?.normalize('NFKC') ?? null,
    branch: nullable(extension('InsuredPersonSubNumber'), normalizeDigits),
  };
}

// Where a payor Organization carries its 保険者番号 (JP Core, older and newer naming systems).
const INSURER_NUMBER_SYSTEMS = new Set([
  'urn:oid:1.2.392.100495.20.3.61',
  'http://jpfhir.jp/fhir/core/mhlw/IdSystem/InsurerNumber',
]);

/** The payor's 保険者番号, validated with its check digit, or the reason there is none. */
export function insurerNumberOf(payorIdentifiers: Identifier[]): { value: string } | Skip {
  const found = payorIdentifiers.find(
    (i) => i.system !== null && INSURER_NUMBER_SYSTEMS.has(i.system),
  );
  if (found === undefined) return { skip: 'no 保険者番号 on the payor' };
  const parsed = parseInsurerNumber(found.value);
  return 'problem' in parsed ? { skip: `保険者番号 ${parsed.problem}` } : parsed;
}

interface NameParts {
  family: string;
  given: string;
}

/**
 * The written (kanji or Latin) name, the kana name if the resource gives one, and a display
 * name. JP Core marks the two with the EN-representation extension: IDE kanji, SYL kana.
 */
export function splitNames(resource: At): {
  written: NameParts | null;
  kana: NameParts | null;
  display: string | null;
} {
  const names = resource
    .items('name')
    .map((name) => ({ name, representation: representation(name) }));
  const kana = names.find((n) => n.representation === 'SYL')?.name;
  const written =
    names.find((n) => n.representation === 'IDE')?.name ??
    names.find((n) => n.representation === null && n.name.string('use') === 'official')?.name ??
    names.find((n) => n.representation === null)?.name;
  const parts = written === undefined ? null : nameParts(written);
  return {
    written: parts,
    kana: kana === undefined ? null : nameParts(kana),
    display: written === undefined ? null : (written.string('text') ?? displayName(written, parts)),
  };
}

function representation(name: At): string | null {
  const found = name.items('extension').find((e) => e.string('url') === EN_REPRESENTATION);
  return found?.string('valueCode') ?? null;
}

function nameParts(name: At): NameParts | null {
  const given = name
    .items('given')
    .map((part) => {
      if (typeof part.value !== 'string') throw part.error('must be a string');
      return part.value.trim();
    })
    .filter((part) => part !== '')
    .join(' ');
  const family = name.string('family') ?? '';
  if (family === '' && given === '') return null;
  return { family, given };
}

/** Japanese names read family first; Western ones with their prefix, given name first. */
function displayName(name: At, parts: NameParts | null): string | null {
  if (parts === null) return null;
  if (/[\u3040-\u30FF\u4E00-\u9FFF]/.test(parts.family))
    return `${parts.family} ${parts.given}`.trim();
  const prefix = name
    .items('prefix')
    .flatMap((p) => (typeof p.value === 'string' ? [p.value] : []));
  return [...prefix, parts.given, parts.family].filter((p) => p !== '').join(' ');
}

function katakanaName(kana: NameParts): NameParts | null {
  const family = toKatakana(kana.family);
  const given = toKatakana(kana.given);
  return KATAKANA.test(family) && KATAKANA.test(given) ? { family, given } : null;
}

function sexOf(patient: At): Sex {
  const gender = patient.key('gender');
  if (!gender.present) return 'unknown';
  const found = GENDERS.find((g) => g === gender.value);
  if (found === undefined) throw gender.error('not a FHIR gender (male, female, other, unknown)');
  return found;
}

function nullable<T>(value: T | null, map: (value: T) => T): T | null {
  return value === null ? null : map(value);
}
