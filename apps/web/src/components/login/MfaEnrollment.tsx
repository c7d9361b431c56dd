import { useEffect, useRef, useState, type SubmitEvent } from 'react';
import { confirmTotpEnrollment, startTotpEnrollment, type LoginStep } from '../../api/auth';
import { asApiError, type ApiError } from '../../api/client';
import type { TotpEnrollment } from '../../api/types';
import { t } from '../../i18n';
import { CopyButton } from '../CopyButton';
import { ErrorNotice, Loading, Notice } from '../Notice';
import { CodeField, totpCode } from './CodeField';
import { BackToLogin, LoginCard } from './LoginCard';
import { isStepExpired, isWrongCode, waitMinutes } from './stepErrors';

interface MfaEnrollmentProps {
  /** Single use, five minutes; held in this screen's state only. */
  mfaToken: string;
  onStep: (step: LoginStep) => void;
  onExpired: () => void;
  onBack: () => void;
}

/** "ABCD EFGH IJKL …": easier to read aloud and to type into an authenticator app. */
function grouped(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

/** Loads the secret and QR code once per attempt: every enroll call makes a new secret. */
function useEnrollment(mfaToken: string, onExpired: () => void) {
  const [material, setMaterial] = useState<TotpEnrollment | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [attempt, setAttempt] = useState(0);
  const started = useRef<number | null>(null);

  useEffect(() => {
    // StrictMode runs effects twice in development; a second call would replace the secret
    // behind the QR code already on screen.
    if (started.current === attempt) return;
    started.current = attempt;
    startTotpEnrollment(mfaToken).then(setMaterial, (err: unknown) => {
      const failure = asApiError(err);
      if (isStepExpired(failure)) onExpired();
      else setError(failure);
    });
  }, [mfaToken, attempt, onExpired]);

  function retry() {
    setError(null);
    setAttempt((n) => n + 1);
  }

  return { material, error, retry };
}

/** Doctors and admins must enroll TOTP before their first session (docs/api.md "Auth"). */
export function MfaEnrollment({ mfaToken, onStep, onExpired, onBack }: MfaEnrollmentProps) {
  const { material, error, retry } = useEnrollment(mfaToken, onExpired);
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState<string | undefined>(undefined);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const e = t.enroll;

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const digits = totpCode(code);
    setFailure(null);
    if (digits === null) {
      setCodeError(t.mfa.codeInvalid);
      return;
    }
    setCodeError(undefined);
    setBusy(true);
    try {
      onStep(await confirmTotpEnrollment(mfaToken, digits));
    } catch (err) {
      const caught = asApiError(err);
      setBusy(false);
      if (isStepExpired(caught)) {
        onExpired();
      } else if (isWrongCode(caught)) {
        setCode('');
        setCodeError(t.mfa.failed);
      } else {
        setFailure(caught);
      }
    }
  }

  return (
    <LoginCard title={e.title} lead={e.lead} wide testId="mfa-enrollment">
      {!material && !error && <Loading />}
      {error && (
        <>
          <ErrorNotice error={error} />
          <button type="button" className="button button--secondary" onClick={retry}>
            {e.retry}
          </button>
        </>
      )}
      {material && (
        <form
          className="form"
          noValidate
          onSubmit={(event) => {
            void submit(event);
          }}
        >
          <section className="enroll__step">
            <p>{e.step1}</p>
            <img
              className="enroll__qr"
              data-testid="mfa-qr"
              src={material.qrDataUrl}
              alt={e.qrAlt}
              width={240}
              height={240}
            />
            <p className="muted">{e.step2}</p>
            <div className="enroll__secret">
              <code className="secret" data-testid="mfa-secret">
                {grouped(material.secret)}
              </code>
              <CopyButton text={material.secret} label={e.copy} copiedLabel={e.copied} />
            </div>
            <a className="enroll__uri" href={material.otpauthUri}>
              {e.openInApp}
            </a>
          </section>
          <section className="enroll__step">
            <p>{e.step3}</p>
            {failure &&
              (failure.status === 429 ? (
                <Notice kind="error">{t.mfa.rateLimited(waitMinutes(failure))}</Notice>
              ) : (
                <ErrorNotice error={failure} />
              ))}
            <CodeField
              value={code}
              onChange={(value) => {
                setCode(value);
                setCodeError(undefined);
              }}
              error={codeError}
              testId="mfa-code"
            />
          </section>
          <button
            type="submit"
            className="button button--block"
            data-testid="mfa-submit"
            disabled={busy}
          >
            {busy ? e.submitting : e.submit}
          </button>
          <BackToLogin onBack={onBack} />
        </form>
      )}
    </LoginCard>
  );
}
