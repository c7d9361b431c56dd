import type { ApiError } from '../../api/client';

/** Retry-After in whole minutes (at least one), or null when the server named no time. */
export function waitMinutes(error: ApiError): number | null {
  const seconds = error.retryAfterSeconds;
  return seconds === null ? null : Math.max(1, Math.ceil(seconds / 60));
}

/** The step token expired, was used up or its attempts ran out: the login starts again. */
export function isStepExpired(error: ApiError): boolean {
  return error.code === 'login_step_expired';
}

/** A wrong code: 401 mfa_failed, or (enrollment) a 400 on "/code". */
export function isWrongCode(error: ApiError): boolean {
  return (
    error.code === 'mfa_failed' ||
    (error.status === 400 && error.fields.some((field) => field.path === '/code'))
  );
}
