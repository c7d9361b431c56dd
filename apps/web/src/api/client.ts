// The one way the web app talks to the API.
//
// The access token lives only in this module's memory (SPEC §3): a page reload loses it and the
// session is restored from the HttpOnly refresh cookie via POST /auth/refresh. Refresh tokens
// rotate and a reused one revokes the whole session, so refreshes are single-flight within the
// tab and serialized across tabs with the Web Locks API.

import { ApiError, isAbortError, toApiError } from './errors';
import type { Me } from './types';

export { ApiError, asApiError, isAbortError, type FieldIssue } from './errors';

const CSRF_COOKIE = 'mc_csrf';
const LOCK_NAME = 'mediconnect-auth';
const CHANNEL_NAME = 'mediconnect-auth';
/** Refresh slightly before expiry so a request does not race the token's last second. */
const EXPIRY_MARGIN_MS = 30_000;
/** Refresh and logout hold the cross-tab lock; a hung request must not hold it forever. */
const AUTH_TIMEOUT_MS = 15_000;

// --- session state (memory only) ---

let accessToken: string | null = null;
let expiresAt = 0;
let sessionActive = false;
/** Bumped on logout so a refresh that was already on the wire cannot revive the session. */
let epoch = 0;
let refreshInFlight: Promise<Me | null> | null = null;
let restoreOnce: Promise<Me | null> | null = null;
const endListeners = new Set<() => void>();

const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(CHANNEL_NAME);
if (channel) {
  channel.onmessage = (event: MessageEvent<unknown>) => {
    if (event.data === 'logout') endSession();
  };
}

/** Called when the session ends without the user asking (refresh failed, logout in another tab). */
export function onSessionEnded(listener: () => void): () => void {
  endListeners.add(listener);
  return () => {
    endListeners.delete(listener);
  };
}

function clearToken(): void {
  accessToken = null;
  expiresAt = 0;
}

function endSession(): void {
  const wasActive = sessionActive;
  clearToken();
  sessionActive = false;
  restoreOnce = null;
  if (wasActive) for (const listener of endListeners) listener();
}

function readCookie(name: string): string | null {
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** Runs `fn` while holding a lock shared by every tab of this origin, where supported. */
async function withAuthLock<T>(fn: () => Promise<T>): Promise<T> {
  if (!('locks' in navigator)) return fn();
  return await navigator.locks.request(LOCK_NAME, fn);
}

// --- auth responses ---

interface AuthOk {
  status: 'ok';
  accessToken: string;
  expiresIn: number;
  user: Me;
}

function isAuthOk(body: unknown): body is AuthOk {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  return (
    b.status === 'ok' &&
    typeof b.accessToken === 'string' &&
    typeof b.expiresIn === 'number' &&
    typeof b.user === 'object' &&
    b.user !== null
  );
}

function acceptAuth(body: unknown, startedInEpoch: number): Me {
  if (!isAuthOk(body)) throw unexpectedResponse();
  if (startedInEpoch !== epoch) {
    throw new ApiError({ status: 401, code: 'unauthenticated', message: 'logged out' });
  }
  accessToken = body.accessToken;
  expiresAt = Date.now() + body.expiresIn * 1000;
  sessionActive = true;
  return body.user;
}

function unexpectedResponse(): ApiError {
  return new ApiError({ status: 0, code: 'unexpected_response', message: 'unexpected response' });
}

/**
 * Where a login stands after a step (docs/api.md "Auth"). The step tokens are handed to the
 * caller, which keeps them in component state only: they die with the screen.
 */
export type LoginStep =
  | { status: 'ok'; me: Me; recoveryCodes: string[] | null }
  | { status: 'password_change_required'; passwordToken: string }
  | { status: 'mfa_enrollment_required'; mfaToken: string }
  | { status: 'mfa_required'; mfaToken: string };

function toLoginStep(body: unknown, startedInEpoch: number): LoginStep {
  const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  switch (b.status) {
    case 'ok': {
      const me = acceptAuth(body, startedInEpoch);
      const codes = Array.isArray(b.recoveryCodes)
        ? (b.recoveryCodes as unknown[]).filter((code) => typeof code === 'string')
        : [];
      return { status: 'ok', me, recoveryCodes: codes.length > 0 ? codes : null };
    }
    case 'password_change_required':
      if (typeof b.passwordToken === 'string') {
        return { status: b.status, passwordToken: b.passwordToken };
      }
      break;
    case 'mfa_enrollment_required':
    case 'mfa_required':
      if (typeof b.mfaToken === 'string') return { status: b.status, mfaToken: b.mfaToken };
      break;
  }
  throw unexpectedResponse();
}

// --- low-level fetch ---

interface SendInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

async function rawFetch(path: string, init: SendInit): Promise<Response> {
  try {
    return await fetch(path, {
      method: init.method,
      headers: { Accept: 'application/json', ...init.headers },
      body: init.body,
      signal: init.signal,
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (err) {
    if (isAbortError(err)) throw err;
    throw new ApiError({ status: 0, code: 'network_error', message: String(err) });
  }
}

// --- session operations ---

async function runRefresh(startedInEpoch: number): Promise<Me | null> {
  const csrf = readCookie(CSRF_COOKIE);
  if (csrf === null) return null;
  const res = await rawFetch('/api/v1/auth/refresh', {
    method: 'POST',
    headers: { 'X-CSRF-Token': csrf },
    signal: AbortSignal.timeout(AUTH_TIMEOUT_MS),
  });
  if (res.status === 401 || res.status === 403) return null;
  if (!res.ok) throw await toApiError(res);
  return acceptAuth(await res.json(), startedInEpoch);
}

/**
 * Exchanges the refresh cookie for a new access token. Resolves to null when there is no live
 * session; rejects on transient failures (network, 429, 5xx) so callers do not log out for them.
 */
export function refreshSession(): Promise<Me | null> {
  const startedInEpoch = epoch;
  refreshInFlight ??= withAuthLock(() => runRefresh(startedInEpoch)).finally(() => {
    refreshInFlight = null;
  });
  return refreshInFlight;
}

/** The start-up restore runs once per page load, however many times React mounts the app. */
export function restoreSession(): Promise<Me | null> {
  restoreOnce ??= refreshSession().catch((err: unknown) => {
    restoreOnce = null;
    throw err;
  });
  return restoreOnce;
}

/** A call of the login flow: no session yet, so no token and no refresh on 401. */
export async function postPublic(path: string, body: unknown): Promise<unknown> {
  const res = await rawFetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw await toApiError(res);
  return (await res.json()) as unknown;
}

/** One step of the login (password, new password, MFA); an `ok` step starts the session. */
export async function postLoginStep(path: string, body: unknown): Promise<LoginStep> {
  const startedInEpoch = epoch;
  return toLoginStep(await postPublic(path, body), startedInEpoch);
}

/** Ends the session here, on the server and in other tabs. Resolves false if the server did not confirm. */
export async function logout(): Promise<boolean> {
  const token = accessToken;
  epoch += 1;
  sessionActive = false;
  restoreOnce = null;
  clearToken();
  channel?.postMessage('logout');
  // Let a rotation already on the wire land first, so the cookie we send is the current one.
  await refreshInFlight?.catch(() => null);
  return withAuthLock(async () => {
    const headers: Record<string, string> = {};
    const csrf = readCookie(CSRF_COOKIE);
    if (csrf !== null) headers['X-CSRF-Token'] = csrf;
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    try {
      const res = await rawFetch('/api/v1/auth/logout', {
        method: 'POST',
        headers,
        signal: AbortSignal.timeout(AUTH_TIMEOUT_MS),
      });
      return res.ok;
    } catch {
      return false;
    }
  });
}

// --- authenticated requests ---

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

async function refreshOrEnd(): Promise<void> {
  const me = await refreshSession();
  if (me !== null) return;
  endSession();
  throw new ApiError({ status: 401, code: 'unauthenticated', message: 'session ended' });
}

function withToken(init: SendInit): SendInit {
  if (accessToken === null) return init;
  return { ...init, headers: { ...init.headers, Authorization: `Bearer ${accessToken}` } };
}

/** 401 answers about the second factor, not about the session. */
const NOT_SESSION_ENDS = new Set(['step_up_required', 'mfa_failed']);

async function send(path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const init: SendInit = { method: options.method ?? 'GET', headers, body, signal: options.signal };

  if (accessToken !== null && Date.now() >= expiresAt - EXPIRY_MARGIN_MS) await refreshOrEnd();
  let res = await rawFetch(path, withToken(init));
  if (res.status === 401) {
    // Only a session we hold is refreshed here: a request left over from before a logout must
    // not bring the session back. One refresh and one retry; a second 401 means it is gone.
    // A step-up demand or a wrong step-up code is not an ended session: a refresh keeps the old
    // auth_time and a replayed code stays wrong, so they go back to the caller (stepUp below).
    const refused = await toApiError(res);
    if (!sessionActive || NOT_SESSION_ENDS.has(refused.code)) throw refused;
    await refreshOrEnd();
    res = await rawFetch(path, withToken(init));
    if (res.status === 401) endSession();
  }
  if (!res.ok) throw await toApiError(res);
  return res;
}

export async function requestJson<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const res = await send(path, options);
  return (await res.json()) as T;
}

export async function requestNoContent(path: string, options: RequestOptions = {}): Promise<void> {
  await send(path, options);
}

/** Builds "/path?a=1" from the defined, non-empty values only. */
export function withQuery(path: string, query: Record<string, string | number | null | undefined>) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/**
 * Step-up MFA (POST /auth/mfa/step-up): a fresh TOTP code renews auth_time within this session.
 * The new access token replaces the one in memory; the refresh cookie is unchanged.
 */
export async function stepUp(code: string): Promise<void> {
  const startedInEpoch = epoch;
  const body = await requestJson<unknown>('/api/v1/auth/mfa/step-up', {
    method: 'POST',
    body: { code },
  });
  const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  if (typeof b.accessToken !== 'string' || typeof b.expiresIn !== 'number') {
    throw unexpectedResponse();
  }
  if (startedInEpoch !== epoch) return;
  accessToken = b.accessToken;
  expiresAt = Date.now() + b.expiresIn * 1000;
}

/**
 * The Authorization header value for a request made outside fetch (an upload through
 * XMLHttpRequest, which alone reports upload progress); refreshes first when the token is due.
 * `force` refreshes even so, after the server refused the token with a 401.
 */
export async function bearerForUpload(force = false): Promise<string> {
  if (accessToken !== null && (force || Date.now() >= expiresAt - EXPIRY_MARGIN_MS)) {
    await refreshOrEnd();
  }
  if (accessToken === null) {
    throw new ApiError({ status: 401, code: 'unauthenticated', message: 'no session' });
  }
  return `Bearer ${accessToken}`;
}
