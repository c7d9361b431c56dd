// The login steps and the signed-in user's own account: password, sessions, MFA status.
import {
  ApiError,
  postLoginStep,
  postPublic,
  requestJson,
  requestNoContent,
  type LoginStep,
} from './client';
import type { Me, SessionInfo, TotpEnrollment } from './types';

export type { LoginStep } from './client';

export function login(tenant: string, email: string, password: string): Promise<LoginStep> {
  return postLoginStep('/api/v1/auth/login', { tenant, email, password });
}

/** Replaces a temporary password during the first login. */
export function setInitialPassword(passwordToken: string, newPassword: string): Promise<LoginStep> {
  return postLoginStep('/api/v1/auth/password/initial', { passwordToken, newPassword });
}

function isEnrollment(body: unknown): body is TotpEnrollment {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  return (
    typeof b.secret === 'string' &&
    typeof b.otpauthUri === 'string' &&
    typeof b.qrDataUrl === 'string' &&
    b.qrDataUrl.startsWith('data:image/')
  );
}

/** Each call makes a new secret on the server; only the latest one can be confirmed. */
export async function startTotpEnrollment(mfaToken: string): Promise<TotpEnrollment> {
  const body = await postPublic('/api/v1/auth/mfa/totp/enroll', { mfaToken });
  if (!isEnrollment(body)) {
    throw new ApiError({ status: 0, code: 'unexpected_response', message: 'enrollment' });
  }
  return body;
}

export function confirmTotpEnrollment(mfaToken: string, code: string): Promise<LoginStep> {
  return postLoginStep('/api/v1/auth/mfa/totp/confirm', { mfaToken, code });
}

export type MfaProof = { code: string } | { recoveryCode: string };

export function verifyMfa(mfaToken: string, proof: MfaProof): Promise<LoginStep> {
  return postLoginStep('/api/v1/auth/mfa/verify', { mfaToken, ...proof });
}

export function getMe(signal?: AbortSignal): Promise<Me> {
  return requestJson('/api/v1/me', { signal });
}

/** Every other session of the user ends; this one stays. */
export function changePassword(currentPassword: string, newPassword: string): Promise<void> {
  return requestNoContent('/api/v1/auth/password', {
    method: 'POST',
    body: { currentPassword, newPassword },
  });
}

export async function listSessions(signal?: AbortSignal): Promise<SessionInfo[]> {
  const page = await requestJson<{ items: SessionInfo[] }>('/api/v1/auth/sessions', { signal });
  return page.items;
}

export function revokeSession(id: string): Promise<void> {
  return requestNoContent(`/api/v1/auth/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/** Ends every session of the user, this one included. */
export function revokeAllSessions(): Promise<void> {
  return requestNoContent('/api/v1/auth/sessions/revoke-all', { method: 'POST' });
}
