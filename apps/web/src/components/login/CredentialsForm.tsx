import { useState, type SubmitEvent } from 'react';
import { login, type LoginStep } from '../../api/auth';
import { asApiError, type ApiError } from '../../api/client';
import { t } from '../../i18n';
import { Field } from '../Field';
import { ErrorNotice, Notice } from '../Notice';
import { LoginCard } from './LoginCard';
import { waitMinutes } from './stepErrors';

export interface Identity {
  tenant: string;
  email: string;
}

interface CredentialsFormProps {
  initial: Identity;
  notice: string | null;
  onStep: (step: LoginStep, identity: Identity) => void;
}

function failureText(error: ApiError): string | null {
  if (error.code === 'invalid_credentials' || error.status === 401) {
    return t.login.invalidCredentials;
  }
  if (error.status === 429) return t.login.rateLimited(waitMinutes(error));
  return null;
}

/** The first step: clinic, email and password. */
export function CredentialsForm({ initial, notice, onStep }: CredentialsFormProps) {
  const [tenant, setTenant] = useState(initial.tenant);
  const [email, setEmail] = useState(initial.email);
  const [password, setPassword] = useState('');
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const l = t.login;

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    if (!tenant.trim() || !email.trim() || !password) {
      setMissing(true);
      return;
    }
    setMissing(false);
    setBusy(true);
    setFailure(null);
    const identity = { tenant: tenant.trim(), email: email.trim() };
    try {
      onStep(await login(identity.tenant, identity.email, password), identity);
    } catch (err) {
      setFailure(asApiError(err));
      setPassword('');
      setBusy(false);
    }
  }

  const text = failure ? failureText(failure) : null;

  return (
    <LoginCard title={l.title} lead={l.lead}>
      <form
        className="form"
        noValidate
        onSubmit={(event) => {
          void submit(event);
        }}
      >
        {notice && <Notice kind="info">{notice}</Notice>}
        {missing && <Notice kind="error">{l.missing}</Notice>}
        {failure && (text ? <Notice kind="error">{text}</Notice> : <ErrorNotice error={failure} />)}
        <Field label={l.tenant} required>
          {(control) => (
            <input
              {...control}
              data-testid="login-tenant"
              name="tenant"
              autoComplete="organization"
              autoCapitalize="none"
              spellCheck={false}
              value={tenant}
              onChange={(event) => {
                setTenant(event.target.value);
              }}
            />
          )}
        </Field>
        <Field label={l.email} required>
          {(control) => (
            <input
              {...control}
              data-testid="login-email"
              name="email"
              type="email"
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              value={email}
              onChange={(event) => {
                setEmail(event.target.value);
              }}
            />
          )}
        </Field>
        <Field label={l.password} required>
          {(control) => (
            <input
              {...control}
              data-testid="login-password"
              name="password"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(event) => {
                setPassword(event.target.value);
              }}
            />
          )}
        </Field>
        <button
          type="submit"
          className="button button--block"
          data-testid="login-submit"
          disabled={busy}
        >
          {busy ? l.submitting : l.submit}
        </button>
      </form>
    </LoginCard>
  );
}
