import type { FieldErrors } from '../hooks/useFieldErrors';
import { t } from '../i18n';
import { MIN_PASSWORD_LENGTH } from '../lib/password';
import { Field } from './Field';

interface PasswordFieldsProps {
  next: string;
  confirm: string;
  onNext: (value: string) => void;
  onConfirm: (value: string) => void;
  errors: FieldErrors;
  clear: (path: string) => void;
}

/** A new password and its confirmation, as password managers expect them. */
export function PasswordFields({
  next,
  confirm,
  onNext,
  onConfirm,
  errors,
  clear,
}: PasswordFieldsProps) {
  const p = t.password;
  return (
    <>
      <Field
        label={p.new}
        hint={p.hint(MIN_PASSWORD_LENGTH)}
        error={errors['/newPassword']}
        required
      >
        {(control) => (
          <input
            {...control}
            data-testid="password-new"
            name="new-password"
            type="password"
            autoComplete="new-password"
            value={next}
            onChange={(event) => {
              onNext(event.target.value);
              clear('/newPassword');
            }}
          />
        )}
      </Field>
      <Field label={p.confirm} error={errors['/confirm']} required>
        {(control) => (
          <input
            {...control}
            data-testid="password-confirm"
            name="confirm-password"
            type="password"
            autoComplete="new-password"
            value={confirm}
            onChange={(event) => {
              onConfirm(event.target.value);
              clear('/confirm');
            }}
          />
        )}
      </Field>
    </>
  );
}
