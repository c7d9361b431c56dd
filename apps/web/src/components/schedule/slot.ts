// A slot as the front desk types it (a Tokyo date and two wall-clock times) and as the API takes
// it (two instants).
import type { FieldErrors } from '../../hooks/useFieldErrors';
import { schedule as s } from '../../i18n/consult';
import { tokyoInstant } from '../../lib/tokyo';

export interface SlotDraft {
  date: string;
  startTime: string;
  endTime: string;
}

export type SlotResult =
  { ok: true; start: string; end: string } | { ok: false; errors: FieldErrors };

/** The slot's instants, or the problems keyed by the API's field paths (/start, /end). */
export function slotFrom(draft: SlotDraft): SlotResult {
  const errors: FieldErrors = {};
  const start = tokyoInstant(draft.date, draft.startTime);
  const end = tokyoInstant(draft.date, draft.endTime);
  if (draft.date === '') errors['/date'] = s.errors.dateRequired;
  else if (start === null) errors['/start'] = s.errors.timeRequired;
  if (draft.date !== '' && end === null) errors['/end'] = s.errors.timeRequired;
  if (start === null || end === null) return { ok: false, errors };
  // An end past midnight is not a slot a day view can take; the API allows 4 hours at most.
  if (end <= start) return { ok: false, errors: { '/end': s.errors.endBeforeStart } };
  return { ok: true, start, end };
}
