import { useRef, useState, type SubmitEvent } from 'react';
import { changePassword } from '../../api/auth';
import { asApiError, type ApiError } from '../../api/client';
import { focusFirstInvalid, useFieldErrors } from '../../hooks/useFieldErrors';
import { t } from '../../i18n';
import { checkNewPassword, passwordFieldErrors } from '../../lib/password';
import { Field } from '../Field';
import { ErrorNotice, Notice } from '../Notice';
import { PasswordFields } from '../PasswordFields';

interface PasswordChangeFormProps {
  email: string;
  /** The other sessions have just ended. */
  onChanged: () => void;
}

export function PasswordChangeForm({ email, onChanged }: PasswordChangeFormProps) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const { errors, setErrors, clear } = useFieldErrors();
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const s = t.settings;

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const local = checkNewPassword(next, confirm);
    if (current === '') local['/currentPassword'] = t.password.errors.required;
    setErrors(local);
    setFailure(null);
    setDone(false);
    if (Object.keys(local).length > 0) {
      focusFirstInvalid(formRef.current);
      return;
    }
    setBusy(true);
    try {
      await changePassword(current, next);
      setCurrent('');
      setNext('');
      setConfirm('');
      setDone(true);
      onChanged();
    } catch (err) {
      const error = asApiError(err);
      const fieldErrors = passwordFieldErrors(error);
      setErrors(fieldErrors);
      if (Object.keys(fieldErrors).length === 0) setFailure(error);
      focusFirstInvalid(formRef.current);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      ref={formRef}
      className="card form"
      noValidate
      aria-labelledby="password-change-title"
      onSubmit={(event) => {
        void submit(event);
      }}
    >
      <h2 className="card__title" id="password-change-title">
        {s.passwordTitle}
      </h2>
      <p className="muted lead">{s.passwordLead}</p>
      {done && <Notice kind="success">{s.passwordChanged}</Notice>}
      {failure && <ErrorNotice error={failure} />}
      <input type="email" name="username" autoComplete="username" value={email} readOnly hidden />
      <div className="form__narrow">
        <Field label={t.password.current} error={errors['/currentPassword']} required>
          {(control) => (
            <input
              {...control}
              data-testid="password-current"
              name="current-password"
              type="password"
              autoComplete="current-password"
              value={current}
              onChange={(event) => {
                setCurrent(event.target.value);
                clear('/currentPassword');
              }}
            />
          )}
        </Field>
        <PasswordFields
          next={next}
          confirm={confirm}
          onNext={setNext}
          onConfirm={setConfirm}
          errors={errors}
          clear={clear}
        />
      </div>
      <div className="form__actions">
        <button type="submit" className="button" data-testid="password-submit" disabled={busy}>
          {busy ? t.common.saving : s.passwordSubmit}
        </button>
      </div>
    </form>
  );
}
