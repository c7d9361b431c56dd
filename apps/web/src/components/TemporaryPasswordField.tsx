import { t } from '../i18n';
import { MIN_PASSWORD_LENGTH } from '../lib/password';
import { generateTemporaryPassword } from '../lib/temporaryPassword';
import { Field } from './Field';

interface TemporaryPasswordFieldProps {
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
  testId: string;
}

/**
 * A temporary password for someone else, typed or generated. Shown as text: whoever sets it
 * reads it out or writes it down, and its owner must replace it at first login.
 */
export function TemporaryPasswordField({
  value,
  onChange,
  error,
  testId,
}: TemporaryPasswordFieldProps) {
  const p = t.temporaryPassword;
  return (
    <Field label={p.label} hint={p.hint(MIN_PASSWORD_LENGTH)} error={error} required>
      {(control) => (
        <div className="input-with-button">
          <input
            {...control}
            type="text"
            name="temporary-password"
            className="mono"
            data-testid={testId}
            value={value}
            autoComplete="off"
            autoCapitalize="off"
            spellCheck={false}
            onChange={(event) => {
              onChange(event.target.value);
            }}
          />
          <button
            type="button"
            className="button button--secondary"
            data-testid={`${testId}-generate`}
            onClick={() => {
              onChange(generateTemporaryPassword());
            }}
          >
            {p.generate}
          </button>
        </div>
      )}
    </Field>
  );
}
