// Issue 7 in real browsers against the real server: the front desk books on the schedule, a
// doctor and a patient — each in a Chromium of their own, with Chromium's fake camera and
// microphone — hold a video consultation through MediConnect's signaling, and the doctor writes
// the SOAP note of the encounter it opened. Also: a refused camera, and a closed room.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { acknowledgeRecoveryCodes, enroll, submitPassword, watch } from './browser.js';
import {
  api,
  apiLogin,
  bookVideoNow,
  decodedFrames,
  doctorNamed,
  launchMediaBrowser,
  MEDIA_DENIED,
  tokyoDate,
  type ApiSession,
} from './consultation.js';
import { startServer, type RunningServer } from './server.js';

const PASSWORD = 'browser-demo-password-1';
const DOCTOR = '山田 太郎';
const OTHER_DOCTOR = '鈴木 一郎';
const SOAP_PLAN = 'ビデオ診察で経過良好。2週間後に再診。';

let server: RunningServer;
let doctorBrowser: Browser;
let patientBrowser: Browser;
let doctor: Page;
let clerk: ApiSession;
let patientId: string;
const problems: string[] = [];

beforeAll(async () => {
  server = await startServer({ MEDICONNECT_DEMO_PASSWORD: PASSWORD });
  // Two browser processes: nothing (cookies, media, WebRTC) is shared between the two sides.
  [doctorBrowser, patientBrowser] = await Promise.all([launchMediaBrowser(), launchMediaBrowser()]);
  doctor = await (await doctorBrowser.newContext()).newPage();
  watch(doctor, problems);
  clerk = await apiLogin(server.url, 'demo', 'clerk@demo.example', PASSWORD);
  const own = await apiLogin(server.url, 'demo', 'patient@demo.example', PASSWORD);
  patientId = (await api<{ patientId: string }>(own, 'GET', '/me')).patientId;
});

afterAll(async () => {
  await Promise.all([doctorBrowser.close(), patientBrowser.close()]);
  await server.stop();
});

async function signedIn(browser: Browser, email: string): Promise<[BrowserContext, Page]> {
  const context = await browser.newContext();
  const page = await context.newPage();
  watch(page, problems);
  await submitPassword(page, server.url, email, PASSWORD);
  return [context, page];
}

it('books a video consultation for tomorrow at the front desk, refuses a double booking, and shows the doctor the day with no join button', async () => {
  const [context, desk] = await signedIn(patientBrowser, 'clerk@demo.example');
  const tomorrow = tokyoDate(1);
  try {
    await desk.getByTestId('nav-schedule').click();
    await desk.getByTestId('booking-open').click();
    await desk.getByTestId('booking-patient-search').fill('アオキ');
    await desk.getByTestId('booking-patient-search-submit').click();
    await desk.getByTestId('booking-patient-chosen').waitFor();
    await desk.getByTestId('booking-doctor').selectOption({ label: DOCTOR });
    await desk.getByTestId('booking-date').fill(tomorrow);
    await desk.getByTestId('booking-start').fill('10:00');
    await desk.getByTestId('booking-end').fill('10:30');
    await desk.getByTestId('booking-type-video').check();
    await desk.getByTestId('booking-note').fill('初診・オンライン希望');
    await desk.getByTestId('booking-submit').click();
    const row = desk.locator('[data-testid="appointment-row"][data-type="video"]');
    // Names are read one patient at a time after the day's list.
    await row.getByText('青木 美咲').waitFor();
    const shownDate = await desk.getByTestId('schedule-date').inputValue();
    const rowText = (await row.textContent()) ?? '';

    // The same doctor at an overlapping time: the database refuses, the form says why.
    await desk.getByTestId('booking-open').click();
    await desk.getByTestId('booking-patient-search').fill('アオキ');
    await desk.getByTestId('booking-patient-search-submit').click();
    await desk.getByTestId('booking-patient-chosen').waitFor();
    await desk.getByTestId('booking-doctor').selectOption({ label: DOCTOR });
    await desk.getByTestId('booking-start').fill('10:15');
    await desk.getByTestId('booking-end').fill('10:45');
    await desk.getByTestId('booking-submit').click();
    await desk.getByTestId('booking-double-booked').waitFor();

    expect(shownDate).toBe(tomorrow);
    expect(rowText).toContain('10:00–10:30');
    expect(rowText).toContain('青木 美咲');
    expect(rowText).toContain(DOCTOR);
    expect(rowText).toContain('初診・オンライン希望');
  } finally {
    await context.close();
  }

  await submitPassword(doctor, server.url, 'doctor@demo.example', PASSWORD);
  await enroll(doctor);
  await acknowledgeRecoveryCodes(doctor);
  await doctor.getByTestId('nav-schedule').click();
  await doctor.getByTestId('schedule-next').click();
  const tomorrowRow = doctor.locator('[data-testid="appointment-row"][data-type="video"]');
  await tomorrowRow.waitFor();

  expect(await doctor.getByTestId('schedule-date').inputValue()).toBe(tomorrow);
  expect(await doctor.getByTestId('appointment-join').count()).toBe(0);
  expect(problems).toEqual([]);
});

it('holds a video consultation between two browsers: the patient waits, the doctor admits, both decode the other side, the doctor ends it and writes the SOAP note', async () => {
  const appointmentId = await bookVideoNow(clerk, await doctorNamed(clerk, DOCTOR), patientId);
  const [context, patient] = await signedIn(patientBrowser, 'patient@demo.example');
  try {
    await patient.getByTestId('my-appointment-join').click();
    await patient.getByTestId('consult-waiting-room').waitFor();

    await doctor.getByTestId('schedule-today').click();
    const row = doctor.locator(`[data-testid="appointment-row"][data-id="${appointmentId}"]`);
    await row.getByTestId('appointment-join').click();
    await doctor.getByTestId('consult-patient-waiting').waitFor();
    const waitingText = await doctor.getByTestId('consult-patient-waiting').textContent();
    await doctor.getByTestId('consult-admit').click();
    await Promise.all([
      doctor.getByTestId('consult-call').waitFor(),
      patient.getByTestId('consult-call').waitFor(),
    ]);
    const [doctorFrames, patientFrames] = await Promise.all([
      decodedFrames(doctor),
      decodedFrames(patient),
    ]);

    await doctor.getByTestId('consult-end').click();
    await doctor.getByTestId('consult-end-confirm').click();
    await Promise.all([
      doctor.getByTestId('consult-ended').waitFor(),
      patient.getByTestId('consult-ended').waitFor(),
    ]);
    const patientEnd = await patient.getByTestId('consult-ended').textContent();
    // Opened again while its window is still open, the ended consultation stays ended.
    await patient.reload();
    await patient.getByTestId('consult-ended').waitFor();

    expect(waitingText).toContain('患者さんが待合室にいます');
    expect(doctorFrames).toBeGreaterThan(0);
    expect(patientFrames).toBeGreaterThan(0);
    expect(patientEnd).toContain('診察は終了しました');
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }

  await doctor.getByTestId('consult-encounter-link').click();
  await doctor.getByTestId('encounter-detail').waitFor();
  await writeSoapNote(doctor);
  await doctor.getByText(SOAP_PLAN).waitFor();

  expect(await doctor.getByTestId('encounter-detail').textContent()).toContain(SOAP_PLAN);
  expect(problems).toEqual([]);
});

/** The note of the encounter the admission opened, through the encounter page's own form. */
async function writeSoapNote(target: Page): Promise<void> {
  await target.getByTestId('encounter-amend').click();
  await target.getByTestId('amendment-reason').fill('ビデオ診察の記載');
  await target.getByTestId('soap-subjective').fill('咽頭痛は軽快。');
  await target.getByTestId('soap-plan').fill(SOAP_PLAN);
  await target.getByTestId('amendment-submit').click();
}

it('tells the patient in Japanese that the camera and microphone were refused, and asks again on request', async () => {
  const appointmentId = await bookVideoNow(
    clerk,
    await doctorNamed(clerk, OTHER_DOCTOR),
    patientId,
  );
  const refusing = await launchMediaBrowser(MEDIA_DENIED);
  try {
    const page = await (await refusing.newContext()).newPage();
    watch(page, problems);
    await submitPassword(page, server.url, 'patient@demo.example', PASSWORD);
    const row = page.locator(`[data-testid="my-appointment-row"][data-id="${appointmentId}"]`);
    await row.getByTestId('my-appointment-join').click();
    const refused = page.getByTestId('consult-media-refused');
    await refused.waitFor();
    const reason = await refused.getAttribute('data-reason');
    const message = (await refused.textContent()) ?? '';
    await page.getByTestId('consult-media-retry').click();
    await refused.waitFor();

    expect(reason).toBe('denied');
    expect(message).toContain('カメラとマイクの使用が許可されていません');
    expect(await page.getByTestId('consult-waiting-room').count()).toBe(0);
    expect(problems).toEqual([]);
  } finally {
    await refusing.close();
  }
});

it('serves the consultation page with a CSP and a Permissions-Policy that allow the camera, the microphone and the signaling socket from its own origin only', async () => {
  // The call above ran under exactly these headers: getUserMedia and the WebSocket worked there.
  const res = await fetch(`${server.url}/consult/00000000-0000-4000-8000-000000000000`);
  const csp = res.headers.get('content-security-policy') ?? '';
  const permissions = res.headers.get('permissions-policy') ?? '';
  const directive = (name: string) =>
    csp
      .split(';')
      .map((part) => part.trim())
      .find((part) => part.startsWith(`${name} `)) ?? '';

  expect(res.status).toBe(200);
  expect(directive('connect-src')).toBe("connect-src 'self'");
  expect(directive('default-src')).toBe("default-src 'self'");
  expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  expect(permissions).toMatch(/(^|,)\s*camera=\(self\)/);
  expect(permissions).toMatch(/(^|,)\s*microphone=\(self\)/);
});
