import { t } from '../../i18n';
import { toHalfWidthDigits } from '../../lib/normalize';
import { Field } from '../Field';

/**
 * The 6 digits of a TOTP code, or null. Typed digits may be full-width (IME) or grouped as
 * "123 456", so the value is cleaned on submit rather than while the IME is composing.
 */
export function totpCode(value: string): string | null {
  const digits = toHalfWidthDigits(value).replace(/[\s-]/g, '');
  return /^\d{6}$/.test(digits) ? digits : null;
}

interface CodeFieldProps {
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
  testId: string;
}

export function CodeField({ value, onChange, error, testId }: CodeFieldProps) {
  return (
    <Field label={t.mfa.codeLabel} hint={t.mfa.codeHint} error={error} required>
      {(control) => (
        <input
          {...control}
          data-testid={testId}
          className="otp-input"
          name="code"
          type="text"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9 ]*"
          spellCheck={false}
          // A single-purpose screen: the cursor belongs in the code box.
          autoFocus
          value={value}
          onChange={(event) => {
            onChange(event.target.value);
          }}
        />
      )}
    </Field>
  );
}
