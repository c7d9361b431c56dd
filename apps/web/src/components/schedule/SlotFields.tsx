import type { FieldErrors } from '../../hooks/useFieldErrors';
import { schedule as s } from '../../i18n/consult';
import { Field } from '../Field';
import type { SlotDraft } from './slot';

interface SlotFieldsProps {
  draft: SlotDraft;
  onChange: (draft: SlotDraft) => void;
  errors: FieldErrors;
  clear: (path: string) => void;
  /** Prefix of the inputs' test ids ("booking", "reschedule"). */
  testId: string;
}

/** Date, start and end, in Japan time whatever the device's time zone. */
export function SlotFields({ draft, onChange, errors, clear, testId }: SlotFieldsProps) {
  return (
    <>
      <Field label={s.date} error={errors['/date']} required>
        {(control) => (
          <input
            {...control}
            type="date"
            data-testid={`${testId}-date`}
            value={draft.date}
            onChange={(event) => {
              onChange({ ...draft, date: event.target.value });
              clear('/date');
            }}
          />
        )}
      </Field>
      <Field label={s.start} hint={s.timeHint} error={errors['/start']} required>
        {(control) => (
          <input
            {...control}
            type="time"
            step={300}
            data-testid={`${testId}-start`}
            value={draft.startTime}
            onChange={(event) => {
              onChange({ ...draft, startTime: event.target.value });
              clear('/start');
            }}
          />
        )}
      </Field>
      <Field label={s.end} hint={s.timeHint} error={errors['/end']} required>
        {(control) => (
          <input
            {...control}
            type="time"
            step={300}
            data-testid={`${testId}-end`}
            value={draft.endTime}
            onChange={(event) => {
              onChange({ ...draft, endTime: event.target.value });
              clear('/end');
            }}
          />
        )}
      </Field>
    </>
  );
}
