import { useState, type SubmitEvent } from 'react';
import { asApiError, stepUp, type ApiError } from '../../api/client';
import { rx } from '../../i18n/prescriptions';
import { ErrorNotice, Notice } from '../Notice';
import { Field } from '../Field';

interface StepUpPromptProps {
  /** Called once the server has renewed auth_time; the caller retries what it was doing. */
  onConfirmed: () => void;
  onCancel: () => void;
}

/** Asks for a fresh authenticator code when the last MFA is too old to prescribe with. */
export function StepUpPrompt({ onConfirmed, onCancel }: StepUpPromptProps) {
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const s = rx.stepUp;

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await stepUp(code.replace(/\s/g, ''));
      onConfirmed();
    } catch (err) {
      setError(asApiError(err));
      setCode('');
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card form rx-step-up" onSubmit={(event) => void submit(event)}>
      <h3 className="card__title">{s.title}</h3>
      <p className="muted">{s.lead}</p>
      {error &&
        (error.code === 'mfa_failed' ? (
          <Notice kind="error">{s.wrong}</Notice>
        ) : (
          <ErrorNotice error={error} />
        ))}
      <Field label={s.code} required className="form__narrow">
        {(control) => (
          <input
            {...control}
            className="otp-input"
            value={code}
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={6}
            autoFocus
            data-testid="rx-step-up-code"
            onChange={(event) => {
              setCode(event.target.value);
            }}
          />
        )}
      </Field>
      <div className="form__actions">
        <button
          type="submit"
          className="button"
          disabled={busy || code.trim().length !== 6}
          data-testid="rx-step-up-submit"
        >
          {s.submit}
        </button>
        <button type="button" className="button button--ghost" onClick={onCancel}>
          {rx.cancel}
        </button>
      </div>
    </form>
  );
}
