import { useRef, useState, type SubmitEvent } from 'react';
import { setInitialPassword, type LoginStep } from '../../api/auth';
import { asApiError, type ApiError } from '../../api/client';
import { focusFirstInvalid, useFieldErrors } from '../../hooks/useFieldErrors';
import { t } from '../../i18n';
import { checkNewPassword, passwordFieldErrors } from '../../lib/password';
import { ErrorNotice } from '../Notice';
import { PasswordFields } from '../PasswordFields';
import { BackToLogin, LoginCard } from './LoginCard';
import { isStepExpired } from './stepErrors';

interface InitialPasswordFormProps {
  /** Single use, five minutes; held in this screen's state only. */
  passwordToken: string;
  email: string;
  onStep: (step: LoginStep) => void;
  onExpired: () => void;
  onBack: () => void;
}

/** First login with a temporary password: a new one is set before anything else. */
export function InitialPasswordForm(props: InitialPasswordFormProps) {
  const { passwordToken, email, onStep, onExpired, onBack } = props;
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const { errors, setErrors, clear } = useFieldErrors();
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const p = t.initialPassword;

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const local = checkNewPassword(next, confirm);
    setErrors(local);
    setFailure(null);
    if (Object.keys(local).length > 0) {
      focusFirstInvalid(formRef.current);
      return;
    }
    setBusy(true);
    try {
      onStep(await setInitialPassword(passwordToken, next));
    } catch (err) {
      const error = asApiError(err);
      setBusy(false);
      if (isStepExpired(error)) {
        onExpired();
        return;
      }
      const fieldErrors = passwordFieldErrors(error);
      setErrors(fieldErrors);
      if (Object.keys(fieldErrors).length === 0) setFailure(error);
      focusFirstInvalid(formRef.current);
    }
  }

  return (
    <LoginCard title={p.title} lead={p.lead} testId="initial-password">
      <form
        ref={formRef}
        className="form"
        noValidate
        onSubmit={(event) => {
          void submit(event);
        }}
      >
        {failure && <ErrorNotice error={failure} />}
        {/* Lets a password manager file the new password under the right account. */}
        <input type="email" name="username" autoComplete="username" value={email} readOnly hidden />
        <PasswordFields
          next={next}
          confirm={confirm}
          onNext={setNext}
          onConfirm={setConfirm}
          errors={errors}
          clear={clear}
        />
        <button
          type="submit"
          className="button button--block"
          data-testid="password-submit"
          disabled={busy}
        >
          {busy ? p.submitting : p.submit}
        </button>
        <BackToLogin onBack={onBack} />
      </form>
    </LoginCard>
  );
}
