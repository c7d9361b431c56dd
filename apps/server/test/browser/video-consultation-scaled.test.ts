// The video consultation of issue 7 across two API processes: the patient's browser talks to one
// instance, the doctor's to another, and the two instances share only PostgreSQL and Redis (the
// machine's own, on loopback). Waiting, admission, the WebRTC offer, answer and candidates, and
// the end all cross between the instances through Redis.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServices } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/http/logging.js';
import { openPlatform, type Platform } from '../../src/platform/index.js';
import { acknowledgeRecoveryCodes, enroll, watch } from './browser.js';
import { api, apiLogin, bookVideoNow, decodedFrames, launchMediaBrowser } from './consultation.js';
import { startServer, type RunningServer } from './server.js';

const DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = 'redis://127.0.0.1:6379';
const PASSWORD = 'scaled-video-passphrase-7';
const DOCTOR_EMAIL = 'doctor@video.example';
const CLERK_EMAIL = 'clerk@video.example';
const PATIENT_EMAIL = 'patient@video.example';

let dataDir: string;
let platform: Platform;
let tenantCode: string;
let first: RunningServer;
let second: RunningServer;
let patientBrowser: Browser;
let doctorBrowser: Browser;
let appointmentId: string;
const problems: string[] = [];

beforeAll(async () => {
  // One data folder for both: the signing keys and the key-encryption key are the deployment's,
  // as a secrets store would hand them to every instance.
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediconnect-video-'));
  const env = {
    DATABASE_URL,
    REDIS_URL,
    MEDICONNECT_DATA_DIR: dataDir,
    MEDICONNECT_DEMO: 'false',
    MEDICONNECT_PUBLIC_URL: 'http://mediconnect.test',
    // The shared test database holds other runs' clinics: encrypting them is not this test's job.
    MEDICONNECT_LEGACY_ENCRYPTION: 'command',
    // Both instances share this namespace, and nothing else in the test run does.
    MEDICONNECT_REDIS_PREFIX: `video-${crypto.randomBytes(6).toString('hex')}:`,
  };
  platform = await openPlatform(loadConfig({ ...env, NODE_ENV: 'test' }), {
    holder: 'test',
    logger: createLogger('silent'),
  });
  const services = createServices(platform);
  tenantCode = `v${crypto.randomBytes(6).toString('hex')}`;
  const tenant = await services.tenants.create(tenantCode, 'ビデオ診療所');
  const doctor = await services.accounts.create(tenant, {
    email: DOCTOR_EMAIL,
    role: 'doctor',
    displayName: '医師 映像',
    password: PASSWORD,
  });
  await services.accounts.create(tenant, {
    email: CLERK_EMAIL,
    role: 'clerk',
    displayName: '受付 映像',
    password: PASSWORD,
  });

  // Each instance's development allowlist names its own origin, the one its browser uses.
  [first, second] = await Promise.all([
    startServer(env, { dataDir }),
    startServer(env, { dataDir }),
  ]);
  const clerk = await apiLogin(first.url, tenantCode, CLERK_EMAIL, PASSWORD);
  const patient = await api<{ id: string }>(clerk, 'POST', '/patients', {
    familyName: '映像',
    givenName: '花子',
    familyNameKana: 'エイゾウ',
    givenNameKana: 'ハナコ',
    birthDate: '1990-05-01',
    sex: 'female',
    phone: null,
    email: null,
    postalCode: null,
    address: null,
    insurance: null,
  });
  await services.accounts.create(tenant, {
    email: PATIENT_EMAIL,
    role: 'patient',
    displayName: '映像 花子',
    password: PASSWORD,
    patientId: patient.id,
  });
  appointmentId = await bookVideoNow(clerk, doctor.id, patient.id);
  [patientBrowser, doctorBrowser] = await Promise.all([launchMediaBrowser(), launchMediaBrowser()]);
}, 180_000);

afterAll(async () => {
  await Promise.all([patientBrowser.close(), doctorBrowser.close()]);
  await Promise.all([first.stop({ keepData: true }), second.stop({ keepData: true })]);
  await platform.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function signIn(browser: Browser, server: RunningServer, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  watch(page, problems);
  await page.goto(`${server.url}/`);
  await page.getByTestId('login-tenant').fill(tenantCode);
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  return page;
}

it("holds a video consultation with the patient on one API instance and the doctor on another, through a reload of the patient's page", async () => {
  const patient = await signIn(patientBrowser, first, PATIENT_EMAIL);
  await patient.getByTestId('my-appointment-join').click();
  await patient.getByTestId('consult-waiting-room').waitFor();

  const doctor = await signIn(doctorBrowser, second, DOCTOR_EMAIL);
  await enroll(doctor);
  await acknowledgeRecoveryCodes(doctor);
  await doctor.getByTestId('nav-schedule').click();
  const row = doctor.locator(`[data-testid="appointment-row"][data-id="${appointmentId}"]`);
  await row.getByTestId('appointment-join').click();
  await doctor.getByTestId('consult-patient-waiting').waitFor();
  await doctor.getByTestId('consult-admit').click();
  await Promise.all([
    doctor.getByTestId('consult-call').waitFor(),
    patient.getByTestId('consult-call').waitFor(),
  ]);
  const [doctorFrames, patientFrames] = await Promise.all([
    decodedFrames(doctor),
    decodedFrames(patient),
  ]);

  // The patient's page reloads mid-call: a new socket on the same instance, admitted at once
  // (the room's state lives in the shared store), and the doctor, on the other instance, offers
  // again. The reloaded page has a new peer connection, so its frames are the new call's.
  await patient.reload();
  await patient.getByTestId('consult-call').waitFor();
  const patientFramesAgain = await decodedFrames(patient);
  const doctorFramesAgain = await decodedFrames(doctor);

  await doctor.getByTestId('consult-end').click();
  await doctor.getByTestId('consult-end-confirm').click();
  await Promise.all([
    doctor.getByTestId('consult-encounter-link').waitFor(),
    patient.getByTestId('consult-ended').waitFor(),
  ]);

  expect(new URL(patient.url()).origin).toBe(first.url);
  expect(new URL(doctor.url()).origin).toBe(second.url);
  expect(doctorFrames).toBeGreaterThan(0);
  expect(patientFrames).toBeGreaterThan(0);
  expect(patientFramesAgain).toBeGreaterThan(0);
  expect(doctorFramesAgain).toBeGreaterThan(0);
  expect(await patient.getByTestId('consult-ended').textContent()).toContain('診察は終了しました');
  expect(problems).toEqual([]);
});
