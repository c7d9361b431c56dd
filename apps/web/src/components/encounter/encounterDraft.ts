// The SOAP + diagnoses working copy shared by the new-encounter and amendment forms.
import type { Diagnosis, SoapNote } from '../../api/types';
import type { FieldErrors } from '../../hooks/useFieldErrors';
import { t } from '../../i18n';

export const SOAP_KEYS = ['subjective', 'objective', 'assessment', 'plan'] as const;
export const SOAP_MAX_LENGTH = 20000;

/** ICD-10: a letter, two digits, optionally a subdivision ("J06.9"). */
const ICD10 = /^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$/;

export interface DiagnosisRow {
  /** Stable across removals, so an error stays on the row it was reported for. */
  key: number;
  code: string;
  name: string;
  /** Kept from an imported diagnosis (e.g. SNOMED CT); null for ICD-10. */
  codeSystem: string | null;
}

export interface EncounterDraft {
  note: SoapNote;
  rows: DiagnosisRow[];
}

let lastRowKey = 0;

export function newRow(diagnosis?: Diagnosis): DiagnosisRow {
  lastRowKey += 1;
  return {
    key: lastRowKey,
    code: diagnosis?.code ?? '',
    name: diagnosis?.name ?? '',
    codeSystem: diagnosis?.codeSystem ?? null,
  };
}

export function draftFrom(note: SoapNote, diagnoses: Diagnosis[]): EncounterDraft {
  const rows = diagnoses.map((d) => newRow(d));
  return { note: { ...note }, rows: rows.length > 0 ? rows : [newRow()] };
}

export function emptyDraft(): EncounterDraft {
  return draftFrom({ subjective: '', objective: '', assessment: '', plan: '' }, []);
}

export function rowPath(row: DiagnosisRow, field: 'code' | 'name'): string {
  return `/diagnoses/row${row.key}/${field}`;
}

export function normalizeCode(code: string): string {
  return code.normalize('NFKC').trim().toUpperCase();
}

function isBlank(row: DiagnosisRow): boolean {
  return row.code.trim() === '' && row.name.trim() === '';
}

export function validateDraft(draft: EncounterDraft): FieldErrors {
  const errors: FieldErrors = {};
  for (const row of draft.rows) {
    if (isBlank(row)) continue;
    if (row.codeSystem === null && !ICD10.test(normalizeCode(row.code)))
      errors[rowPath(row, 'code')] = t.encounterForm.errors.code;
    if (row.name.trim() === '') errors[rowPath(row, 'name')] = t.encounterForm.errors.name;
  }
  return errors;
}

export interface DraftPayload {
  note: SoapNote;
  diagnoses: Diagnosis[];
  /** Maps a server path like "/diagnoses/1/code" back to the row it came from. */
  remap: (path: string) => string;
}

/** Blank diagnosis rows are dropped; the server's indexes refer to the rows that were sent. */
export function toPayload(draft: EncounterDraft): DraftPayload {
  const sent = draft.rows.filter((row) => !isBlank(row));
  return {
    note: draft.note,
    diagnoses: sent.map((row) =>
      row.codeSystem === null
        ? { code: normalizeCode(row.code), name: row.name.trim() }
        : { code: row.code.trim(), name: row.name.trim(), codeSystem: row.codeSystem },
    ),
    remap: (path) => {
      const match = /^\/diagnoses\/(\d+)\/(code|name)$/.exec(path);
      const row = match ? sent[Number(match[1])] : undefined;
      return row && match ? rowPath(row, match[2] === 'code' ? 'code' : 'name') : path;
    },
  };
}

/** Paths the encounter fields can show an error beside. */
export function isDraftPath(path: string): boolean {
  return /^\/note\/\w+$/.test(path) || /^\/diagnoses\/row\d+\/(code|name)$/.test(path);
}
