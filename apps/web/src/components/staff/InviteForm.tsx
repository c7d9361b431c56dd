import { useRef, useState, type SubmitEvent } from 'react';
import { asApiError, type ApiError } from '../../api/client';
import { createStaff } from '../../api/staff';
import type { StaffMember, StaffRole } from '../../api/types';
import {
  focusFirstInvalid,
  strayFields,
  useFieldErrors,
  type FieldErrors,
} from '../../hooks/useFieldErrors';
import { t } from '../../i18n';
import {
  accountFieldErrors,
  checkEmail,
  checkTemporaryPassword,
  isEmailTaken,
} from '../../lib/accountForm';
import { STAFF_ROLES } from '../../lib/roles';
import { Field } from '../Field';
import { ErrorNotice } from '../Notice';
import { TemporaryPasswordField } from '../TemporaryPasswordField';

const MAX_NAME_LENGTH = 100;
const SHOWN = new Set(['/email', '/displayName', '/role', '/temporaryPassword']);

interface Draft {
  email: string;
  displayName: string;
  role: StaffRole | '';
  temporaryPassword: string;
}

function check(draft: Draft): FieldErrors {
  const errors: FieldErrors = {};
  const email = checkEmail(draft.email);
  if (email) errors['/email'] = email;
  const name = draft.displayName.trim();
  if (name === '') errors['/displayName'] = t.forms.required;
  else if (name.length > MAX_NAME_LENGTH) errors['/displayName'] = t.forms.tooLong(MAX_NAME_LENGTH);
  if (draft.role === '') errors['/role'] = t.forms.required;
  const password = checkTemporaryPassword(draft.temporaryPassword);
  if (password) errors['/temporaryPassword'] = password;
  return errors;
}

interface InviteFormProps {
  /** The password goes along so it can be shown once for the handover. */
  onCreated: (member: StaffMember, temporaryPassword: string) => void;
  onCancel: () => void;
}

/** スタッフの招待: an account with a temporary password, replaced by its owner at first login. */
export function InviteForm({ onCreated, onCancel }: InviteFormProps) {
  const [draft, setDraft] = useState<Draft>({
    email: '',
    displayName: '',
    role: '',
    temporaryPassword: '',
  });
  const { errors, setErrors, clear } = useFieldErrors();
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [stray, setStray] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const f = t.staffInvite;

  function change<K extends keyof Draft>(key: K, value: Draft[K]) {
    setDraft((d) => ({ ...d, [key]: value }));
    clear(`/${key}`);
  }

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const local = check(draft);
    setErrors(local);
    setFailure(null);
    setStray([]);
    if (Object.keys(local).length > 0 || draft.role === '') {
      focusFirstInvalid(formRef.current);
      return;
    }
    setSaving(true);
    try {
      const member = await createStaff({
        email: draft.email.trim(),
        displayName: draft.displayName.trim(),
        role: draft.role,
        temporaryPassword: draft.temporaryPassword,
      });
      onCreated(member, draft.temporaryPassword);
    } catch (err) {
      const error = asApiError(err);
      setSaving(false);
      if (isEmailTaken(error)) {
        setErrors({ '/email': f.emailTaken });
      } else {
        setErrors(accountFieldErrors(error));
        setStray(strayFields(error, (path) => SHOWN.has(path), remapPassword));
        setFailure(error);
      }
      focusFirstInvalid(formRef.current);
    }
  }

  return (
    <form
      ref={formRef}
      className="card form"
      noValidate
      data-testid="staff-invite-form"
      aria-labelledby="staff-invite-title"
      onSubmit={(event) => {
        void submit(event);
      }}
    >
      <div>
        <h2 className="card__title" id="staff-invite-title">
          {f.title}
        </h2>
        <p className="muted lead">{f.lead}</p>
      </div>
      {failure && <ErrorNotice error={failure} details={stray} />}
      <div className="form__grid">
        <Field label={f.email} error={errors['/email']} required>
          {(control) => (
            <input
              {...control}
              type="email"
              name="email"
              inputMode="email"
              autoComplete="off"
              data-testid="staff-invite-email"
              value={draft.email}
              onChange={(event) => {
                change('email', event.target.value);
              }}
            />
          )}
        </Field>
        <Field
          label={f.displayName}
          hint={f.displayNameHint}
          error={errors['/displayName']}
          required
        >
          {(control) => (
            <input
              {...control}
              type="text"
              name="displayName"
              autoComplete="off"
              maxLength={MAX_NAME_LENGTH}
              data-testid="staff-invite-name"
              value={draft.displayName}
              onChange={(event) => {
                change('displayName', event.target.value);
              }}
            />
          )}
        </Field>
        <Field label={f.role} error={errors['/role']} required>
          {(control) => (
            <select
              {...control}
              name="role"
              data-testid="staff-invite-role"
              value={draft.role}
              onChange={(event) => {
                const role = STAFF_ROLES.find((r) => r === event.target.value) ?? '';
                change('role', role);
              }}
            >
              <option value="">{t.common.choose}</option>
              {STAFF_ROLES.map((role) => (
                <option key={role} value={role}>
                  {t.roles[role]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <TemporaryPasswordField
          value={draft.temporaryPassword}
          error={errors['/temporaryPassword']}
          testId="staff-invite-password"
          onChange={(value) => {
            change('temporaryPassword', value);
          }}
        />
      </div>
      <div className="form__actions">
        <button
          type="submit"
          className="button"
          data-testid="staff-invite-submit"
          disabled={saving}
        >
          {saving ? f.submitting : f.submit}
        </button>
        <button type="button" className="button button--secondary" onClick={onCancel}>
          {t.common.cancel}
        </button>
      </div>
    </form>
  );
}

function remapPassword(path: string): string {
  return path === '/password' ? '/temporaryPassword' : path;
}
