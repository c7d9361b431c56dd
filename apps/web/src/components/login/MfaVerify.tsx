import { useState, type SubmitEvent } from 'react';
import { verifyMfa, type LoginStep, type MfaProof } from '../../api/auth';
import { asApiError, type ApiError } from '../../api/client';
import { t } from '../../i18n';
import { Field } from '../Field';
import { ErrorNotice, Notice } from '../Notice';
import { CodeField, totpCode } from './CodeField';
import { BackToLogin, LoginCard } from './LoginCard';
import { isStepExpired, isWrongCode, waitMinutes } from './stepErrors';

interface MfaVerifyProps {
  /** Single use, five minutes, five attempts; held in this screen's state only. */
  mfaToken: string;
  onStep: (step: LoginStep) => void;
  onExpired: () => void;
  onBack: () => void;
}

type Mode = 'code' | 'recovery';

/** A recovery code as issued ("abcd-efgh-ijkl-mnop": 16 base32 letters), or null. */
function recoveryCode(value: string): string | null {
  const cleaned = value.normalize('NFKC').trim().toLowerCase();
  if (!/^[a-z2-7 -]+$/.test(cleaned)) return null;
  return cleaned.replace(/[ -]/g, '').length === 16 ? cleaned : null;
}

/** The second factor of a login: a TOTP code, or one of the recovery codes. */
export function MfaVerify({ mfaToken, onStep, onExpired, onBack }: MfaVerifyProps) {
  const [mode, setMode] = useState<Mode>('code');
  const [value, setValue] = useState('');
  const [inputError, setInputError] = useState<string | undefined>(undefined);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const v = t.verify;

  function proofOf(input: string): MfaProof | null {
    if (mode === 'code') {
      const code = totpCode(input);
      return code === null ? null : { code };
    }
    const code = recoveryCode(input);
    return code === null ? null : { recoveryCode: code };
  }

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    setFailure(null);
    const proof = proofOf(value);
    if (proof === null) {
      setInputError(mode === 'code' ? t.mfa.codeInvalid : v.recoveryInvalid);
      return;
    }
    setInputError(undefined);
    setBusy(true);
    try {
      onStep(await verifyMfa(mfaToken, proof));
    } catch (err) {
      const error = asApiError(err);
      setBusy(false);
      if (isStepExpired(error)) {
        onExpired();
      } else if (isWrongCode(error)) {
        setValue('');
        setInputError(mode === 'code' ? t.mfa.failed : v.recoveryFailed);
      } else {
        setFailure(error);
      }
    }
  }

  function switchTo(next: Mode) {
    setMode(next);
    setValue('');
    setInputError(undefined);
    setFailure(null);
  }

  return (
    <LoginCard title={v.title} lead={mode === 'code' ? v.lead : v.recoveryLead} testId="mfa-verify">
      <form
        className="form"
        noValidate
        onSubmit={(event) => {
          void submit(event);
        }}
      >
        {failure &&
          (failure.status === 429 ? (
            <Notice kind="error">{t.mfa.rateLimited(waitMinutes(failure))}</Notice>
          ) : (
            <ErrorNotice error={failure} />
          ))}
        {mode === 'code' ? (
          <CodeField
            value={value}
            onChange={(next) => {
              setValue(next);
              setInputError(undefined);
            }}
            error={inputError}
            testId="mfa-verify-code"
          />
        ) : (
          <Field label={v.recoveryLabel} error={inputError} required>
            {(control) => (
              <input
                {...control}
                data-testid="mfa-recovery-code"
                name="recovery-code"
                type="text"
                autoComplete="off"
                autoCapitalize="none"
                spellCheck={false}
                autoFocus
                placeholder={v.recoveryPlaceholder}
                value={value}
                onChange={(event) => {
                  setValue(event.target.value);
                  setInputError(undefined);
                }}
              />
            )}
          </Field>
        )}
        <button
          type="submit"
          className="button button--block"
          data-testid="mfa-verify-submit"
          disabled={busy}
        >
          {busy ? v.submitting : v.submit}
        </button>
        <button
          type="button"
          className="link-button"
          data-testid="mfa-switch-mode"
          onClick={() => {
            switchTo(mode === 'code' ? 'recovery' : 'code');
          }}
        >
          {mode === 'code' ? v.useRecovery : v.useCode}
        </button>
        <BackToLogin onBack={onBack} />
      </form>
    </LoginCard>
  );
}
