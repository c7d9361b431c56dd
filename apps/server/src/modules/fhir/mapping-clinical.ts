import {
  codings,
  conceptText,
  readRef,
  type Coding,
  type RefDraft,
  type Skip,
} from './elements.js';
import { instantOf, type At } from './json.js';

/**
 * Pure mappings from the clinical resources to drafts. References stay as written; the store
 * resolves them. Nothing here invents clinical text: every string comes from the resource.
 */

export interface EncounterDraft {
  subject: RefDraft;
  participant: RefDraft | null;
  serviceProvider: RefDraft | null;
  type: 'in_person' | 'video';
  startedAt: string;
  endedAt: string | null;
  /** The encounter's type and reason texts: what the visit was for, as the source said it. */
  subjective: string;
}

export interface DiagnosisDraft {
  subject: RefDraft;
  encounter: RefDraft;
  codeSystem: string;
  code: string;
  name: string;
}

export interface ObservationDraft {
  subject: RefDraft;
  encounter: RefDraft | null;
  codeSystem: string | null;
  code: string;
  display: string;
  valueText: string;
  unit: string | null;
  effectiveAt: string | null;
}

export interface MedicationDraft {
  subject: RefDraft;
  encounter: RefDraft | null;
  codeSystem: string | null;
  code: string | null;
  display: string;
  dosage: string | null;
  status: string;
  authoredAt: string | null;
}

const VIRTUAL = 'VR'; // v3 ActCode: a virtual (telehealth) encounter

export function mapEncounter(encounter: At): EncounterDraft | Skip {
  const status = encounter.string('status');
  if (status === 'entered-in-error' || status === 'cancelled') return { skip: `status ${status}` };
  const subject = readRef(encounter.object('subject'));
  if (subject === null) return { skip: 'no subject' };
  const period = encounter.object('period');
  const start = period?.key('start');
  if (start?.present !== true) return { skip: 'no period.start' };
  const startedAt = instantOf(start);
  if (startedAt === null) return { skip: 'period.start has no time of day' };
  const end = period?.key('end');
  const texts = [...encounter.items('type'), ...encounter.items('reasonCode')].map(conceptText);
  return {
    subject,
    participant:
      encounter
        .items('participant')
        .map((p) => readRef(p.object('individual')))
        .find((ref) => ref !== null) ?? null,
    serviceProvider: readRef(encounter.object('serviceProvider')),
    type: encounter.object('class')?.string('code') === VIRTUAL ? 'video' : 'in_person',
    startedAt,
    endedAt: end?.present === true ? instantOf(end) : null,
    subjective: [...new Set(texts.filter((text) => text !== undefined))].join('\n'),
  };
}

/** ICD-10 as diagnoses.code expects it: J06.9, E11.65 (SPEC §5). */
export const ICD10_CODE = /^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$/;
export const SNOMED = 'http://snomed.info/sct';
// ICD-10 and its national editions by URI (hl7.org/fhir/sid/icd-10, …-cm, JP Core's) or OID.
const ICD10_SYSTEM = /icd-?10|^urn:oid:2\.16\.840\.1\.113883\.6\.(3|90)$/i;

export function isIcd10(coding: Coding): boolean {
  return (
    coding.system !== null &&
    ICD10_SYSTEM.test(coding.system) &&
    coding.code !== null &&
    ICD10_CODE.test(coding.code.trim().toUpperCase())
  );
}

/**
 * The coding a diagnosis keeps: ICD-10 when the source has it, else SNOMED CT, else any coded
 * one. Whichever it is, its system is kept beside the code, so SNOMED never poses as ICD-10.
 */
export function diagnosisCoding(
  codes: Coding[],
): (Coding & { system: string; code: string }) | null {
  const coded = codes.filter(
    (c): c is Coding & { system: string; code: string } => c.system !== null && c.code !== null,
  );
  const icd10 = coded.find(isIcd10);
  if (icd10 !== undefined) return { ...icd10, code: icd10.code.trim().toUpperCase() };
  return coded.find((c) => c.system === SNOMED) ?? coded[0] ?? null;
}

export function mapCondition(condition: At): DiagnosisDraft | Skip {
  const verification = codings(condition.object('verificationStatus'))[0]?.code;
  if (verification === 'entered-in-error' || verification === 'refuted') {
    return { skip: `verification status ${verification}` };
  }
  const subject = readRef(condition.object('subject'));
  if (subject === null) return { skip: 'no subject' };
  const encounter = readRef(condition.object('encounter'));
  if (encounter === null) return { skip: 'no encounter (a diagnosis belongs to an encounter)' };
  const concept = condition.object('code');
  const coding = diagnosisCoding(codings(concept));
  if (coding === null) return { skip: 'no coded diagnosis' };
  return {
    subject,
    encounter,
    codeSystem: coding.system,
    code: coding.code,
    name: concept?.string('text') ?? coding.display ?? coding.code,
  };
}

export function mapObservation(observation: At): ObservationDraft | Skip {
  const status = observation.string('status');
  if (status === 'entered-in-error' || status === 'cancelled') return { skip: `status ${status}` };
  const subject = readRef(observation.object('subject'));
  if (subject === null) return { skip: 'no subject' };
  const concept = observation.object('code');
  const coding = codings(concept).find((c) => c.code !== null);
  if (coding?.code == null) return { skip: 'no coded observation' };
  const value = observationValue(observation);
  if (value === null) return { skip: 'no value' };
  return {
    subject,
    encounter: readRef(observation.object('encounter')),
    codeSystem: coding.system,
    code: coding.code,
    display: concept?.string('text') ?? coding.display ?? coding.code,
    valueText: value.text,
    unit: value.unit,
    effectiveAt: effectiveOf(observation),
  };
}

export function mapMedicationRequest(request: At): MedicationDraft | Skip {
  const statusField = request.key('status');
  const status = request.string('status');
  if (status === undefined) throw statusField.error('is required');
  if (status === 'entered-in-error') return { skip: `status ${status}` };
  const subject = readRef(request.object('subject'));
  if (subject === null) return { skip: 'no subject' };
  const concept = request.object('medicationCodeableConcept');
  const coding = codings(concept).find((c) => c.code !== null);
  const display =
    conceptText(concept) ?? coding?.code ?? readRef(request.object('medicationReference'))?.display;
  if (display == null)
    return { skip: 'no medication name (Medication resources are not imported)' };
  const authored = request.key('authoredOn');
  return {
    subject,
    encounter: readRef(request.object('encounter')),
    codeSystem: coding?.system ?? null,
    code: coding?.code ?? null,
    display,
    dosage: dosageText(request),
    status,
    authoredAt: authored.present ? instantOf(authored) : null,
  };
}

function effectiveOf(observation: At): string | null {
  for (const name of ['effectiveDateTime', 'effectiveInstant']) {
    const field = observation.key(name);
    if (field.present) return instantOf(field);
  }
  const start = observation.object('effectivePeriod')?.key('start');
  return start?.present === true ? instantOf(start) : null;
}

/** The dosage as the prescriber wrote it; else its structured dose, timing and as-needed flag. */
export function dosageText(request: At): string | null {
  const lines = request.items('dosageInstruction').map((dosage) => {
    const text = dosage.string('text');
    if (text !== undefined) return text;
    const dose = dosage
      .items('doseAndRate')
      .map((d) => d.object('doseQuantity'))
      .find((q) => q !== undefined);
    const repeat = dosage.object('timing')?.object('repeat');
    const frequency = repeat?.number('frequency');
    const period = repeat?.number('period');
    return [
      dose === undefined ? undefined : quantityText(dose)?.text,
      frequency === undefined || period === undefined
        ? undefined
        : `${frequency}×/${period} ${repeat?.string('periodUnit') ?? ''}`.trim(),
      dosage.boolean('asNeededBoolean') === true ? 'as needed' : undefined,
    ]
      .filter((part) => part !== undefined)
      .join(', ');
  });
  const joined = lines.filter((line) => line !== '').join('; ');
  return joined === '' ? null : joined;
}

interface ValueText {
  text: string;
  unit: string | null;
  /** Set for quantities, so components in one unit can read as "120/80 mmHg". */
  amount?: string;
}

// Blood pressure reads systolic over diastolic, whatever order the components come in.
const COMPONENT_ORDER = ['8480-6', '8462-4'];

/** The observation's value as text: a quantity with its unit, a coded answer, or components. */
export function observationValue(observation: At): { text: string; unit: string | null } | null {
  const direct = valueOf(observation);
  if (direct !== null) return { text: direct.text, unit: direct.unit };
  const parts = observation.items('component').flatMap((component) => {
    const value = valueOf(component);
    const concept = component.object('code');
    const code = codings(concept).find((c) => c.code !== null)?.code ?? '';
    return value === null ? [] : [{ value, code, label: conceptText(concept) ?? code }];
  });
  if (parts.length === 0) return null;
  const rank = (code: string) => {
    const found = COMPONENT_ORDER.indexOf(code);
    return found < 0 ? COMPONENT_ORDER.length : found;
  };
  parts.sort((a, b) => rank(a.code) - rank(b.code));
  const unit = parts[0]?.value.unit ?? null;
  if (parts.every((p) => p.value.amount !== undefined && p.value.unit === unit)) {
    const amounts = parts.map((p) => p.value.amount).join('/');
    return { text: unit === null ? amounts : `${amounts} ${unit}`, unit };
  }
  return { text: parts.map((p) => `${p.label}: ${p.value.text}`).join('; '), unit: null };
}

function valueOf(at: At): ValueText | null {
  const quantity = at.object('valueQuantity');
  if (quantity !== undefined) return quantityText(quantity);
  const concept = at.object('valueCodeableConcept');
  if (concept !== undefined) {
    const text = conceptText(concept) ?? codings(concept).find((c) => c.code !== null)?.code;
    return text == null ? null : { text, unit: null };
  }
  const text = at.string('valueString');
  if (text !== undefined) return { text, unit: null };
  const flag = at.boolean('valueBoolean');
  if (flag !== undefined) return { text: String(flag), unit: null };
  const integer = at.number('valueInteger');
  if (integer !== undefined) return { text: String(integer), unit: null };
  const dateTime = at.key('valueDateTime');
  // A bare date stays as written; a date-time is shown as its instant.
  const when = dateTime.present ? (instantOf(dateTime) ?? at.string('valueDateTime')) : undefined;
  return when === undefined ? null : { text: when, unit: null };
}

/** A quantity as "<comparator><value> <unit>"; a quantity without a value says nothing. */
function quantityText(quantity: At): ValueText | null {
  const value = quantity.number('value');
  if (value === undefined) return null;
  const amount = `${quantity.string('comparator') ?? ''}${value}`;
  const unit = quantity.string('unit') ?? quantity.string('code') ?? null;
  return { text: unit === null ? amount : `${amount} ${unit}`, unit, amount };
}
