// Checks shared by the forms that create an account for someone else: a staff invitation and a
// patient's portal account. Keys are the request's JSON Pointers.
import type { ApiError } from '../api/client';
import type { FieldErrors } from '../hooks/useFieldErrors';
import { t } from '../i18n';
import { MIN_PASSWORD_LENGTH, passwordIssueText } from './password';

/** The server's limit (RFC 5321 path length). */
export const MAX_EMAIL_LENGTH = 254;

/** Loose on purpose: the server decides; this only catches a missing "@" or a stray space. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function checkEmail(value: string): string | null {
  const email = value.trim();
  if (email === '') return t.forms.required;
  if (email.length > MAX_EMAIL_LENGTH) return t.forms.tooLong(MAX_EMAIL_LENGTH);
  return EMAIL.test(email) ? null : t.forms.email;
}

export function checkTemporaryPassword(value: string): string | null {
  if (value === '') return t.temporaryPassword.errors.required;
  if (Array.from(value).length < MIN_PASSWORD_LENGTH) {
    return t.password.errors.tooShort(MIN_PASSWORD_LENGTH);
  }
  return null;
}

/**
 * The server's refusals, in Japanese. Its strength check reports the password as "/password"
 * (the account's field) while the request calls it "/temporaryPassword": both land there.
 */
export function accountFieldErrors(error: ApiError): FieldErrors {
  const errors: FieldErrors = {};
  for (const field of error.fields) {
    switch (field.path) {
      case '/password':
      case '/temporaryPassword':
        errors['/temporaryPassword'] ??= passwordIssueText(field.message);
        break;
      case '/email':
        errors['/email'] ??= t.forms.email;
        break;
      default:
        errors[field.path] ??= field.message || t.errors.validation;
    }
  }
  return errors;
}

/** 409 `email_in_use`: the email belongs to another account of this clinic. */
export function isEmailTaken(error: ApiError): boolean {
  return error.status === 409 && error.code === 'email_in_use';
}
