// The audit viewer's filter form, and how its values become a GET /audit query.
import type { AuditOutcome, AuditQuery } from '../api/types';
import type { FieldErrors } from '../hooks/useFieldErrors';
import { t } from '../i18n';
import { recall, remember } from './memory';
import { tokyoDayEnd, tokyoDayStart } from './tokyo';

export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ['success', 'denied', 'failure'];
export const AUDIT_PAGE_SIZES: readonly number[] = [20, 50, 100, 200];

/** What the inputs hold: dates are Tokyo calendar days, empty strings mean "any". */
export interface AuditDraft {
  from: string;
  to: string;
  actorId: string;
  patientId: string;
  action: string;
  outcome: AuditOutcome | '';
  limit: number;
}

export const EMPTY_DRAFT: AuditDraft = {
  from: '',
  to: '',
  actorId: '',
  patientId: '',
  action: '',
  outcome: '',
  limit: 50,
};

export type DraftResult = { ok: true; query: AuditQuery } | { ok: false; errors: FieldErrors };

/**
 * A period is whole Tokyo days: from the first day's 00:00 JST up to, not including, the day
 * after the last. Only what the browser can know is checked here; the server checks the rest.
 */
export function toAuditQuery(draft: AuditDraft): DraftResult {
  const query: AuditQuery = { limit: draft.limit };
  const errors: FieldErrors = {};
  const from = draft.from === '' ? null : tokyoDayStart(draft.from);
  const to = draft.to === '' ? null : tokyoDayEnd(draft.to);
  if (draft.from !== '' && from === null) errors['/from'] = t.audit.invalid['/from'] ?? '';
  if (draft.to !== '' && to === null) errors['/to'] = t.audit.invalid['/to'] ?? '';
  if (from !== null && to !== null && from >= to) errors['/to'] = t.audit.toBeforeFrom;
  if (from !== null) query.from = from;
  if (to !== null) query.to = to;
  if (draft.actorId !== '') query.actorId = draft.actorId;
  if (draft.patientId.trim() !== '') query.patientId = draft.patientId.trim().toLowerCase();
  if (draft.action.trim() !== '') query.action = draft.action.trim();
  if (draft.outcome !== '') query.outcome = draft.outcome;
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, query };
}

/** Query-string problems come back as "/querystring/patientId"; the form knows "/patientId". */
export function filterPath(path: string): string {
  return path.replace(/^\/querystring(?=\/)/, '');
}

/** The form's own words for a field the server refused; its message is in English. */
export function filterMessage(path: string, serverMessage: string): string {
  return t.audit.invalid[path] ?? (serverMessage || t.errors.validation);
}

const MEMORY_KEY = 'audit.filters';

/** Kept in memory only, so opening a chart from the log and coming back keeps the search. */
export function rememberDraft(draft: AuditDraft): void {
  remember(MEMORY_KEY, JSON.stringify(draft));
}

export function recallDraft(): AuditDraft {
  const saved = recall(MEMORY_KEY);
  // Only rememberDraft writes this key, so its shape is known.
  return saved === '' ? EMPTY_DRAFT : { ...EMPTY_DRAFT, ...(JSON.parse(saved) as AuditDraft) };
}
