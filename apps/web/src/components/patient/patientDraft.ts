// The patient form's working copy: every input as a string, turned into PatientInput on submit.
import type { Patient, PatientInput, Sex } from '../../api/types';
import type { FieldErrors } from '../../hooks/useFieldErrors';
import { t } from '../../i18n';
import { parseCalendarDate, todayCalendarDate } from '../../lib/format';
import { isValidInsurerNumber, normalizeInsurerNumber } from '../../lib/insurer';
import { isKatakana, optional, toHalfWidthDigits, toKatakana } from '../../lib/normalize';

export interface PatientDraft {
  familyName: string;
  givenName: string;
  familyNameKana: string;
  givenNameKana: string;
  birthDate: string;
  sex: Sex;
  phone: string;
  email: string;
  postalCode: string;
  address: string;
  insurerNumber: string;
  symbol: string;
  number: string;
  branch: string;
}

const INSURANCE_KEYS = new Set<keyof PatientDraft>(['insurerNumber', 'symbol', 'number', 'branch']);

/** JSON Pointer of a draft field in the request body, as the server reports it in `fields`. */
export function pathOf(key: keyof PatientDraft): string {
  return INSURANCE_KEYS.has(key) ? `/insurance/${key}` : `/${key}`;
}

export function toDraft(patient: Patient | null): PatientDraft {
  const ins = patient?.insurance ?? null;
  return {
    familyName: patient?.familyName ?? '',
    givenName: patient?.givenName ?? '',
    familyNameKana: patient?.familyNameKana ?? '',
    givenNameKana: patient?.givenNameKana ?? '',
    birthDate: patient?.birthDate ?? '',
    sex: patient?.sex ?? 'unknown',
    phone: patient?.phone ?? '',
    email: patient?.email ?? '',
    postalCode: patient?.postalCode ?? '',
    address: patient?.address ?? '',
    insurerNumber: ins?.insurerNumber ?? '',
    symbol: ins?.symbol ?? '',
    number: ins?.number ?? '',
    branch: ins?.branch ?? '',
  };
}

function hasInsurance(d: PatientDraft): boolean {
  return [d.insurerNumber, d.symbol, d.number, d.branch].some((v) => v.trim() !== '');
}

export function toInput(d: PatientDraft): PatientInput {
  return {
    familyName: d.familyName.trim(),
    givenName: d.givenName.trim(),
    familyNameKana: toKatakana(d.familyNameKana),
    givenNameKana: toKatakana(d.givenNameKana),
    birthDate: d.birthDate,
    sex: d.sex,
    phone: optional(toHalfWidthDigits(d.phone)),
    email: optional(d.email),
    postalCode: optional(toHalfWidthDigits(d.postalCode)),
    address: optional(d.address),
    insurance: hasInsurance(d)
      ? {
          insurerNumber: normalizeInsurerNumber(d.insurerNumber),
          symbol: optional(d.symbol),
          number: d.number.trim(),
          branch: optional(toHalfWidthDigits(d.branch)),
        }
      : null,
  };
}

/** Checks that save a round trip; the server validates everything again. */
export function validateDraft(d: PatientDraft): FieldErrors {
  const e = t.patientForm.errors;
  const errors: FieldErrors = {};
  for (const key of ['familyName', 'givenName'] as const) {
    if (d[key].trim() === '') errors[pathOf(key)] = e.required;
  }
  for (const key of ['familyNameKana', 'givenNameKana'] as const) {
    const kana = toKatakana(d[key]);
    if (kana === '') errors[pathOf(key)] = e.required;
    else if (!isKatakana(kana)) errors[pathOf(key)] = e.kana;
  }
  const birth = parseCalendarDate(d.birthDate);
  if (!birth || birth.year < 1900 || d.birthDate > todayCalendarDate()) {
    errors[pathOf('birthDate')] = e.birthDate;
  }
  if (hasInsurance(d)) {
    if (d.insurerNumber.trim() === '') errors[pathOf('insurerNumber')] = e.insurerMissing;
    else if (!isValidInsurerNumber(d.insurerNumber))
      errors[pathOf('insurerNumber')] = e.insurerNumber;
    if (d.number.trim() === '') errors[pathOf('number')] = e.insuranceNumber;
  }
  return errors;
}
