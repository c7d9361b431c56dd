import { useState, type SubmitEvent } from 'react';
import { asApiError, login, type ApiError } from '../api/client';
import type { Me } from '../api/types';
import { Field } from '../components/Field';
import { ErrorNotice, Notice } from '../components/Notice';
import { t } from '../i18n';

interface LoginPageProps {
  onLoggedIn: (me: Me) => void;
  notice: string | null;
}

function loginErrorText(error: ApiError): string | null {
  if (error.code === 'invalid_credentials' || error.status === 401) {
    return t.login.invalidCredentials;
  }
  if (error.status === 200) return t.login.mfaRequired;
  return null;
}

export function LoginPage({ onLoggedIn, notice }: LoginPageProps) {
  const [tenant, setTenant] = useState('');
  const [email, setEmail] = useState('');
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
    try {
      onLoggedIn(await login(tenant.trim(), email.trim(), password));
    } catch (err) {
      setFailure(asApiError(err));
      setPassword('');
      setBusy(false);
    }
  }

  const failureText = failure ? loginErrorText(failure) : null;

  return (
    <main className="login">
      <form
        className="card login__card"
        noValidate
        onSubmit={(event) => {
          void submit(event);
        }}
      >
        <p className="login__product">{t.appName}</p>
        <h1 className="login__title">{l.title}</h1>
        <p className="muted">{l.lead}</p>
        {notice && <Notice kind="info">{notice}</Notice>}
        {missing && <Notice kind="error">{l.missing}</Notice>}
        {failure &&
          (failureText ? (
            <Notice kind="error">{failureText}</Notice>
          ) : (
            <ErrorNotice error={failure} />
          ))}
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
    </main>
  );
}
