import { useRef, useState, type SubmitEvent } from 'react';
import { asApiError, type ApiError } from '../../api/client';
import { createPortalAccount } from '../../api/portal';
import type { Patient } from '../../api/types';
import { focusFirstInvalid, strayFields, useFieldErrors } from '../../hooks/useFieldErrors';
import { t } from '../../i18n';
import {
  accountFieldErrors,
  checkEmail,
  checkTemporaryPassword,
  isEmailTaken,
} from '../../lib/accountForm';
import { CredentialHandover } from '../CredentialHandover';
import { Field } from '../Field';
import { ErrorNotice, Notice } from '../Notice';
import { TemporaryPasswordField } from '../TemporaryPasswordField';

const SHOWN = new Set(['/email', '/temporaryPassword', '/password']);

interface PortalFormProps {
  patient: Patient;
  onCreated: (email: string, temporaryPassword: string) => void;
  onExists: () => void;
  onCancel: () => void;
}

function PortalForm({ patient, onCreated, onExists, onCancel }: PortalFormProps) {
  const [email, setEmail] = useState(patient.email ?? '');
  const [password, setPassword] = useState('');
  const { errors, setErrors, clear } = useFieldErrors();
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [stray, setStray] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const p = t.portal;

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const emailProblem = checkEmail(email);
    const passwordProblem = checkTemporaryPassword(password);
    setErrors({
      ...(emailProblem ? { '/email': emailProblem } : {}),
      ...(passwordProblem ? { '/temporaryPassword': passwordProblem } : {}),
    });
    setFailure(null);
    setStray([]);
    if (emailProblem || passwordProblem) {
      focusFirstInvalid(formRef.current);
      return;
    }
    setSaving(true);
    try {
      const account = await createPortalAccount(patient.id, email.trim(), password);
      onCreated(account.email, password);
    } catch (err) {
      const error = asApiError(err);
      setSaving(false);
      if (isEmailTaken(error)) {
        setErrors({ '/email': p.emailTaken });
      } else if (error.status === 409) {
        onExists();
        return;
      } else {
        setErrors(accountFieldErrors(error));
        setStray(strayFields(error, (path) => SHOWN.has(path)));
        setFailure(error);
      }
      focusFirstInvalid(formRef.current);
    }
  }

  return (
    <form
      ref={formRef}
      className="form form__narrow"
      noValidate
      data-testid="portal-form"
      onSubmit={(event) => {
        void submit(event);
      }}
    >
      {failure && <ErrorNotice error={failure} details={stray} />}
      <Field label={p.email} error={errors['/email']} required>
        {(control) => (
          <input
            {...control}
            type="email"
            name="email"
            inputMode="email"
            autoComplete="off"
            data-testid="portal-email"
            value={email}
            onChange={(event) => {
              setEmail(event.target.value);
              clear('/email');
            }}
          />
        )}
      </Field>
      <TemporaryPasswordField
        value={password}
        error={errors['/temporaryPassword']}
        testId="portal-password"
        onChange={(value) => {
          setPassword(value);
          clear('/temporaryPassword');
        }}
      />
      <div className="form__actions">
        <button type="submit" className="button" data-testid="portal-submit" disabled={saving}>
          {saving ? p.submitting : p.submit}
        </button>
        <button type="button" className="button button--secondary" onClick={onCancel}>
          {t.common.cancel}
        </button>
      </div>
    </form>
  );
}

type State =
  | { name: 'idle' }
  | { name: 'form' }
  | { name: 'created'; email: string; temporaryPassword: string }
  | { name: 'handedOver' }
  | { name: 'exists' };

/**
 * 患者ポータル for the front desk and administrators. The API cannot say whether the patient has
 * an account already, so that is learnt from the refusal (409).
 */
export function PortalAccountPanel({
  patient,
  tenantCode,
}: {
  patient: Patient;
  tenantCode: string;
}) {
  const [state, setState] = useState<State>({ name: 'idle' });
  const p = t.portal;

  if (state.name === 'created') {
    return (
      <CredentialHandover
        tenantCode={tenantCode}
        email={state.email}
        temporaryPassword={state.temporaryPassword}
        testId="portal-handover"
        onClose={() => {
          setState({ name: 'handedOver' });
        }}
      />
    );
  }

  return (
    <section className="card" aria-labelledby="portal-title">
      <h2 className="card__title" id="portal-title">
        {p.title}
      </h2>
      <div className="panel-stack">
        <p className="muted lead">{p.lead}</p>
        {state.name === 'handedOver' && <Notice kind="success">{p.created}</Notice>}
        {state.name === 'exists' && <Notice kind="info">{p.exists}</Notice>}
        {state.name === 'idle' && (
          <div>
            <button
              type="button"
              className="button button--secondary"
              data-testid="portal-open"
              onClick={() => {
                setState({ name: 'form' });
              }}
            >
              {p.open}
            </button>
          </div>
        )}
        {state.name === 'form' && (
          <PortalForm
            patient={patient}
            onCreated={(email, temporaryPassword) => {
              setState({ name: 'created', email, temporaryPassword });
            }}
            onExists={() => {
              setState({ name: 'exists' });
            }}
            onCancel={() => {
              setState({ name: 'idle' });
            }}
          />
        )}
      </div>
    </section>
  );
}
