import { useCallback, useState } from 'react';
import type { ApiError } from '../api/client';
import { t } from '../i18n';

/** Messages keyed by JSON Pointer ("/birthDate", "/insurance/insurerNumber"). */
export type FieldErrors = Record<string, string>;

export function fieldErrorsFrom(error: ApiError, remap: (path: string) => string = (p) => p) {
  const errors: FieldErrors = {};
  for (const field of error.fields) {
    errors[remap(field.path)] ??= field.message || t.errors.validation;
  }
  return errors;
}

/** Field problems a form has no input for, as "path: message" lines for the error notice. */
export function strayFields(
  error: ApiError,
  isShown: (path: string) => boolean,
  remap: (path: string) => string = (p) => p,
): string[] {
  return error.fields
    .filter((field) => !isShown(remap(field.path)))
    .map((field) => `${field.path}: ${field.message || t.errors.validation}`);
}

export function useFieldErrors() {
  const [errors, setErrors] = useState<FieldErrors>({});
  const clear = useCallback((path: string) => {
    setErrors((current) => {
      if (!(path in current)) return current;
      return Object.fromEntries(Object.entries(current).filter(([key]) => key !== path));
    });
  }, []);
  return { errors, setErrors, clear };
}

/** Moves focus to the first invalid control once React has rendered the messages. */
export function focusFirstInvalid(form: HTMLFormElement | null): void {
  requestAnimationFrame(() => {
    form?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  });
}
