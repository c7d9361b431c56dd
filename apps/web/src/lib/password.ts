// Password rules as the web app explains them. The server decides (docs/api.md: a weak password
// is a 400 on "/newPassword"); these checks only spare a round trip for the obvious cases.
import type { ApiError } from '../api/client';
import type { FieldErrors } from '../hooks/useFieldErrors';
import { t } from '../i18n';

/** The server's minimum (apps/server passwords.ts); a shorter one is refused there anyway. */
export const MIN_PASSWORD_LENGTH = 12;

const e = t.password.errors;

// The server explains a refusal in English words only; the known ones are shown in Japanese and
// anything new is shown as sent, so no refusal goes unexplained.
const KNOWN: [RegExp, string][] = [
  [/^must be at least (\d+) characters$/, ''],
  // The same limits as the request schema words them, for a temporary password.
  [/^must NOT have fewer than (\d+) characters$/, ''],
  [/^must NOT have more than \d+ characters$/, e.tooLong],
  [/^must be at most \d+ characters$/, e.tooLong],
  [/^must be at most \d+ bytes$/, e.tooLongBytes],
  [/^is too common$/, e.common],
  [/^is too repetitive$/, e.repetitive],
  [/^is too easy to guess$/, e.guessable],
  [/^must differ from the current password$/, e.same],
  [/^is not your current password$/, e.wrongCurrent],
];

export function passwordIssueText(message: string): string {
  for (const [pattern, text] of KNOWN) {
    const match = pattern.exec(message);
    if (!match) continue;
    return match[1] === undefined ? text : e.tooShort(Number(match[1]));
  }
  return message || t.errors.validation;
}

/** Checks the new password and its confirmation; keys are the request's JSON Pointers. */
export function checkNewPassword(next: string, confirm: string): FieldErrors {
  const errors: FieldErrors = {};
  if (next === '') errors['/newPassword'] = e.required;
  else if (Array.from(next).length < MIN_PASSWORD_LENGTH) {
    errors['/newPassword'] = e.tooShort(MIN_PASSWORD_LENGTH);
  }
  if (confirm === '') errors['/confirm'] = e.required;
  else if (next !== '' && confirm !== next) errors['/confirm'] = e.mismatch;
  return errors;
}

/** The server's refusals of a password form, keyed by field and worded for the user. */
export function passwordFieldErrors(error: ApiError): FieldErrors {
  const errors: FieldErrors = {};
  for (const field of error.fields) {
    if (field.path === '/newPassword' || field.path === '/currentPassword') {
      errors[field.path] ??= passwordIssueText(field.message);
    }
  }
  return errors;
}
