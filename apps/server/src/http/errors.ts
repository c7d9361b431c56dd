/**
 * Every error the API can answer with: a stable code, its HTTP status and a message that is
 * safe to show. Services throw AppError; one handler turns it into the response body.
 */
export const errorRegistry = {
  validation_failed: { status: 400, message: 'The request is not valid.' },
  invalid_json: { status: 400, message: 'The request body is not valid JSON.' },
  token_in_url: {
    status: 400,
    message: 'The signaling URL takes no query string: send the room token in the first message.',
  },
  invalid_credentials: { status: 401, message: 'The clinic, email or password is wrong.' },
  unauthenticated: { status: 401, message: 'Sign in to continue.' },
  mfa_failed: { status: 401, message: 'The code is wrong or was already used.' },
  login_step_expired: { status: 401, message: 'This sign-in step has expired. Sign in again.' },
  step_up_required: { status: 401, message: 'Confirm with your authenticator code to continue.' },
  forbidden: { status: 403, message: 'Your role may not do this.' },
  break_glass_read_only: {
    status: 403,
    message: 'Emergency access lets you read this record, not change it.',
  },
  origin_not_allowed: { status: 403, message: 'This origin may not call the API.' },
  csrf_failed: { status: 403, message: 'The request is missing its CSRF token.' },
  signed_url_invalid: {
    status: 403,
    message: 'This download link is not valid or has expired. Ask for a new one.',
  },
  not_found: { status: 404, message: 'Not found.' },
  version_conflict: { status: 409, message: 'Someone else changed this record first. Reload it.' },
  already_exists: { status: 409, message: 'This already exists.' },
  email_in_use: {
    status: 409,
    message: 'An account with this email already exists in this clinic.',
  },
  portal_account_exists: { status: 409, message: 'This patient already has a portal account.' },
  file_not_clean: {
    status: 409,
    message: 'This file has not been found clean by the virus scanner, so it cannot be downloaded.',
  },
  prescription_cancelled: {
    status: 409,
    message: 'This prescription was cancelled and can no longer be used.',
  },
  doctor_double_booked: {
    status: 409,
    message: 'The doctor already has an appointment at this time. Choose another time.',
  },
  appointment_cancelled: { status: 409, message: 'This appointment was cancelled.' },
  not_a_video_appointment: {
    status: 409,
    message: 'This appointment is in person, not a video consultation.',
  },
  outside_join_window: {
    status: 409,
    message:
      'A video consultation opens 15 minutes before its start and closes 60 minutes after it ends.',
  },
  consultation_ended: {
    status: 409,
    message: 'The doctor has ended this video consultation.',
  },
  last_admin: { status: 409, message: 'The clinic must keep at least one active admin.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_media_type: { status: 415, message: 'This content type is not accepted.' },
  upgrade_required: { status: 426, message: 'This endpoint speaks WebSocket only.' },
  precondition_required: { status: 428, message: 'Send the version you are changing (If-Match).' },
  rate_limited: { status: 429, message: 'Too many requests. Try again later.' },
  internal_error: { status: 500, message: 'Something went wrong on our side.' },
  service_unavailable: { status: 503, message: 'The service is not available right now.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorRegistry;

export interface FieldError {
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly fields?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(message ?? errorRegistry[code].message);
    this.name = 'AppError';
    this.status = errorRegistry[code].status;
  }
}

export function invalid(path: string, message: string): AppError {
  return new AppError('validation_failed', undefined, [{ path, message }]);
}
