// What the video-consultation browser tests share: Chromium with a fake camera and microphone,
// set-up calls to the API (as the front desk would make them), and the proof that video arrives.
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser.js';

/** Chromium's own test camera and microphone (a moving picture and a tone), granted silently. */
export const FAKE_MEDIA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];
/** The same fake devices, but the permission prompt is answered "block". */
export const MEDIA_DENIED = ['--use-fake-device-for-media-stream', '--deny-permission-prompts'];

export function launchMediaBrowser(args: string[] = FAKE_MEDIA): Promise<Browser> {
  return launchBrowser(args);
}

export interface ApiSession {
  baseUrl: string;
  token: string;
}

/** A login without a second factor (front desk, patient) straight against the API. */
export async function apiLogin(
  baseUrl: string,
  tenant: string,
  email: string,
  password: string,
): Promise<ApiSession> {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant, email, password }),
  });
  const body = (await res.json()) as { status?: string; accessToken?: string };
  if (body.status !== 'ok' || body.accessToken === undefined) {
    throw new Error(`login of ${email} answered ${String(res.status)} ${String(body.status)}`);
  }
  return { baseUrl, token: body.accessToken };
}

export async function api<T>(
  session: ApiSession,
  method: 'GET' | 'POST' | 'PATCH',
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${session.baseUrl}/api/v1${path}`, {
    method,
    headers: {
      authorization: `Bearer ${session.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path} answered ${String(res.status)}`);
  return (await res.json()) as T;
}

/** The id of the active doctor with this name, from the staff directory. */
export async function doctorNamed(clerk: ApiSession, name: string): Promise<string> {
  const page = await api<{ items: { id: string; displayName: string; role: string }[] }>(
    clerk,
    'GET',
    '/staff/directory?limit=100',
  );
  const doctor = page.items.find((m) => m.role === 'doctor' && m.displayName === name);
  if (!doctor) throw new Error(`no doctor named ${name}`);
  return doctor.id;
}

/** A video appointment that began a minute ago: its room is open for the whole test. */
export async function bookVideoNow(
  clerk: ApiSession,
  doctorId: string,
  patientId: string,
): Promise<string> {
  const now = Date.now();
  const booked = await api<{ id: string }>(clerk, 'POST', '/appointments', {
    doctorId,
    patientId,
    start: new Date(now - 60_000).toISOString(),
    end: new Date(now + 30 * 60_000).toISOString(),
    type: 'video',
    note: null,
  });
  return booked.id;
}

/** "YYYY-MM-DD" in Tokyo, `days` from today. */
export function tokyoDate(days = 0): string {
  return new Date(Date.now() + 9 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Video frames this page's RTCPeerConnection has decoded from the other side (inbound-rtp), as
 * the call view publishes them on the remote video element; 0 if none within the time.
 */
export async function decodedFrames(target: Page, timeoutMs = 20_000): Promise<number> {
  const video = target.getByTestId('consult-remote-video');
  const deadline = Date.now() + timeoutMs;
  let frames = 0;
  while (Date.now() < deadline) {
    frames = Number((await video.getAttribute('data-frames-decoded').catch(() => null)) ?? 0);
    if (frames > 0) return frames;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return frames;
}
