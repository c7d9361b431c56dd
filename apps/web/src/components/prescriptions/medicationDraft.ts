// The prescription form's state and its checks. The server checks the same rules
// (apps/server/src/modules/prescriptions/schemas.ts) and stays the authority; these only say
// what is wrong next to the field before a round trip.
import type { MedicationLine, PrescriptionInput } from '../../api/prescriptions';
import { rx } from '../../i18n/prescriptions';

/** The fixed lists of the server: a typo never reaches a pharmacy. */
export const UNITS = [
  '錠',
  'カプセル',
  '包',
  'mL',
  'g',
  'mg',
  '枚',
  '本',
  '滴',
  '個',
  '噴霧',
  '単位',
];
export const ROUTES = ['内服', '頓服', '外用', '注射'];
export const FREQUENCIES = [
  '1日1回朝食後',
  '1日1回夕食後',
  '1日1回就寝前',
  '1日2回朝夕食後',
  '1日3回毎食後',
  '1日3回毎食前',
  '1日3回毎食間',
  '1日4回毎食後及び就寝前',
  '疼痛時',
  '発熱時',
  '不眠時',
  '1日数回患部に塗布',
];
export const MAX_MEDICATIONS = 10;

const CODE = /^(?:[0-9]{7}[A-Z][0-9A-Z]{3}[0-9]|6[0-9]{8})$/;
const DOSE = /^(?:0\.[0-9]{1,3}|[1-9][0-9]{0,3}(?:\.[0-9]{1,3})?)$/;

export interface MedicationDraft {
  /** A stable React key: rows are added and removed in the middle. */
  key: number;
  name: string;
  code: string;
  dose: string;
  unit: string;
  frequency: string;
  days: string;
  route: string;
  noSubstitution: boolean;
}

export interface PrescriptionDraft {
  medications: MedicationDraft[];
  notes: string;
  validDays: string;
}

let nextKey = 1;

export function emptyMedication(): MedicationDraft {
  return {
    key: nextKey++,
    name: '',
    code: '',
    dose: '',
    unit: UNITS[0] ?? '錠',
    frequency: FREQUENCIES[0] ?? '',
    days: '',
    route: ROUTES[0] ?? '内服',
    noSubstitution: false,
  };
}

export function emptyPrescription(): PrescriptionDraft {
  return { medications: [emptyMedication()], notes: '', validDays: '4' };
}

/** Full-width digits and letters typed with a Japanese IME become ASCII. */
function ascii(value: string): string {
  return value
    .trim()
    .replace(/[０-９Ａ-Ｚａ-ｚ．]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .toUpperCase();
}

function integerIn(value: string, min: number, max: number): number | null {
  const text = ascii(value);
  if (!/^[0-9]{1,3}$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}

/** Errors keyed like the server's JSON Pointers, e.g. "/medications/0/code". */
export type DraftErrors = Record<string, string>;

export function checkDraft(draft: PrescriptionDraft): DraftErrors {
  const errors: DraftErrors = {};
  draft.medications.forEach((m, i) => {
    const at = `/medications/${i}`;
    if (m.name.trim() === '') errors[`${at}/name`] = rx.errors.required;
    if (!CODE.test(ascii(m.code))) errors[`${at}/code`] = rx.errors.code;
    if (!DOSE.test(ascii(m.dose))) errors[`${at}/dose`] = rx.errors.dose;
    if (integerIn(m.days, 1, 90) === null) errors[`${at}/days`] = rx.errors.days;
  });
  if (integerIn(draft.validDays, 1, 14) === null) errors['/validDays'] = rx.errors.validDays;
  if (draft.notes.length > 500) errors['/notes'] = rx.errors.notes;
  return errors;
}

function toLine(m: MedicationDraft): MedicationLine {
  return {
    name: m.name.trim(),
    code: ascii(m.code),
    dose: ascii(m.dose),
    unit: m.unit,
    frequency: m.frequency,
    days: Number(ascii(m.days)),
    route: m.route,
    noSubstitution: m.noSubstitution,
  };
}

/** The request body of a draft that passed checkDraft. */
export function toInput(patientId: string, draft: PrescriptionDraft): PrescriptionInput {
  const notes = draft.notes.trim();
  return {
    patientId,
    medications: draft.medications.map(toLine),
    ...(notes === '' ? {} : { notes }),
    validDays: Number(ascii(draft.validDays)),
  };
}
