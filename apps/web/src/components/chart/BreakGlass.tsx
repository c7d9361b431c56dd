import { useRef, useState, type SubmitEvent } from 'react';
import { openBreakGlass } from '../../api/breakGlass';
import { asApiError, type ApiError } from '../../api/client';
import type { BreakGlassGrant } from '../../api/types';
import { t } from '../../i18n';
import { formatTime } from '../../lib/format';
import { Field } from '../Field';
import { ErrorNotice, Notice } from '../Notice';

/** The server's limits (POST /patients/{id}/break-glass): a reason someone else can judge. */
export const MIN_REASON_LENGTH = 20;
export const MAX_REASON_LENGTH = 1000;

function reasonProblem(reason: string): string | null {
  const length = Array.from(reason.trim()).length;
  if (length < MIN_REASON_LENGTH) return t.breakGlass.reasonTooShort(MIN_REASON_LENGTH);
  if (length > MAX_REASON_LENGTH) return t.breakGlass.reasonTooLong(MAX_REASON_LENGTH);
  return null;
}

interface BreakGlassFormProps {
  patientId: string;
  onGranted: (grant: BreakGlassGrant) => void;
}

/**
 * 緊急アクセス: shown to a doctor or nurse where a chart answered "not found". The grant opens the
 * chart for reading for sixty minutes; the reason is audited and reviewed by an administrator.
 */
export function BreakGlassForm({ patientId, onGranted }: BreakGlassFormProps) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [noPatient, setNoPatient] = useState(false);
  const [saving, setSaving] = useState(false);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const b = t.breakGlass;

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const problem = reasonProblem(reason);
    setError(problem);
    setFailure(null);
    if (problem) {
      inputRef.current?.focus();
      return;
    }
    setSaving(true);
    try {
      onGranted(await openBreakGlass(patientId, reason.trim()));
    } catch (err) {
      const apiError = asApiError(err);
      setSaving(false);
      if (apiError.status === 404) {
        setNoPatient(true);
      } else if (apiError.fields.some((field) => field.path === '/reason')) {
        setError(b.reasonTooShort(MIN_REASON_LENGTH));
        inputRef.current?.focus();
      } else {
        setFailure(apiError);
      }
    }
  }

  if (noPatient) return <Notice kind="warning">{b.noPatient}</Notice>;

  const count = Array.from(reason.trim()).length;
  return (
    <form
      className="card form break-glass"
      noValidate
      data-testid="break-glass-form"
      aria-labelledby="break-glass-title"
      onSubmit={(event) => {
        void submit(event);
      }}
    >
      <div>
        <h2 className="card__title" id="break-glass-title">
          {b.title}
        </h2>
        <p className="lead">{b.lead}</p>
      </div>
      <Notice kind="warning">{b.audited}</Notice>
      {failure && <ErrorNotice error={failure} />}
      <Field
        label={b.reason}
        hint={b.reasonHint(MIN_REASON_LENGTH)}
        error={error ?? undefined}
        required
      >
        {(control) => (
          <textarea
            {...control}
            ref={inputRef}
            name="reason"
            rows={4}
            maxLength={MAX_REASON_LENGTH}
            data-testid="break-glass-reason"
            placeholder={b.reasonPlaceholder}
            value={reason}
            onChange={(event) => {
              setReason(event.target.value);
              setError(null);
            }}
          />
        )}
      </Field>
      <p className="field__hint" aria-live="polite">
        {b.reasonCount(count, MIN_REASON_LENGTH)}
      </p>
      <div className="form__actions">
        <button
          type="submit"
          className="button button--danger"
          data-testid="break-glass-submit"
          disabled={saving}
        >
          {saving ? b.submitting : b.submit}
        </button>
      </div>
    </form>
  );
}

/** On top of a chart opened through a grant: the end time, and that nothing can be written. */
export function BreakGlassBanner({ expiresAt }: { expiresAt: Date }) {
  return (
    <div
      className="notice notice--warning break-glass-banner"
      role="status"
      data-testid="break-glass-banner"
    >
      <p className="break-glass-banner__title">{t.breakGlass.active(formatTime(expiresAt))}</p>
      <p>{t.breakGlass.activeDetail}</p>
    </div>
  );
}
