import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  acknowledgeRecoveryCodes,
  enroll,
  launchBrowser,
  storageOf,
  submitPassword,
  watch,
} from './browser.js';
import { startServer, type RunningServer } from './server.js';

const DEMO_PASSWORD = 'browser-demo-password-1';
const NEW_DOCTOR = { email: 'new.doctor@demo.example', name: '新任 医師' };
/** What the new doctor chooses at first login in place of the temporary password. */
const OWN_PASSWORD = 'lantern-orchid-basalt-1987';

let server: RunningServer;
let browser: Browser;
let adminContext: BrowserContext;
let admin: Page;
const problems: string[] = [];
/** Handed from the admin's screen to the new doctor's login, as on paper. */
let temporaryPassword = '';
let assignedPatient = '';

beforeAll(async () => {
  server = await startServer({ MEDICONNECT_DEMO_PASSWORD: DEMO_PASSWORD });
  browser = await launchBrowser();
  adminContext = await browser.newContext();
  admin = await adminContext.newPage();
  watch(admin, problems);
});

afterAll(async () => {
  await browser.close();
  await server.stop();
});

it('lets the demo admin invite a doctor with a generated temporary password, shown once', async () => {
  await submitPassword(admin, server.url, 'admin@demo.example', DEMO_PASSWORD);
  await enroll(admin);
  await acknowledgeRecoveryCodes(admin);
  await admin.getByTestId('nav-staff').click();
  await admin.getByTestId('staff-row').first().waitFor();
  await admin.getByTestId('staff-invite').click();
  await admin.getByTestId('staff-invite-email').fill(NEW_DOCTOR.email);
  await admin.getByTestId('staff-invite-name').fill(NEW_DOCTOR.name);
  await admin.getByTestId('staff-invite-role').selectOption('doctor');
  await admin.getByTestId('staff-invite-password-generate').click();
  const generated = await admin.getByTestId('staff-invite-password').inputValue();
  await admin.getByTestId('staff-invite-submit').click();
  await admin.getByTestId('staff-handover').waitFor();
  temporaryPassword = (await admin.getByTestId('staff-handover-password').textContent()) ?? '';
  const row = admin.locator(`[data-testid="staff-row"][data-email="${NEW_DOCTOR.email}"]`);
  await row.waitFor();
  await admin.getByTestId('staff-handover-close').click();

  expect(generated).toMatch(/^[A-Za-z0-9]{4}(-[A-Za-z0-9]{4}){3}$/);
  expect(temporaryPassword).toBe(generated);
  expect(await row.getByTestId('staff-role').inputValue()).toBe('doctor');
  expect(await row.getByTestId('staff-mfa').textContent()).toContain('未設定');
  expect(await admin.getByTestId('staff-handover').count()).toBe(0);
  expect(problems).toEqual([]);
});

it("lets the admin add the new doctor to a demo patient's care team", async () => {
  await admin.getByTestId('nav-patients').click();
  const firstPatient = admin.getByTestId('patient-row').first();
  await firstPatient.waitFor();
  assignedPatient = (await firstPatient.locator('.patient-row__kanji').textContent()) ?? '';
  await firstPatient.click();
  await admin.getByTestId('patient-chart').waitFor();
  await admin.getByTestId('tab-careTeam').click();
  await admin.getByTestId('care-team-row').first().waitFor();
  const before = await admin.getByTestId('care-team-row').count();
  await admin.getByTestId('care-team-select').selectOption({ label: `${NEW_DOCTOR.name}（医師）` });
  await admin.getByTestId('care-team-add').click();
  await admin.getByTestId('care-team-row').filter({ hasText: NEW_DOCTOR.name }).waitFor();

  expect(assignedPatient.trim()).not.toBe('');
  expect(await admin.getByTestId('care-team-row').count()).toBe(before + 1);
  expect(problems).toEqual([]);
});

it('lets the new doctor replace the temporary password, enroll MFA and see only the assigned patient', async () => {
  if (temporaryPassword === '') throw new Error('the invitation test did not run');
  const context = await browser.newContext();
  const doctor = await context.newPage();
  watch(doctor, problems);
  try {
    await submitPassword(doctor, server.url, NEW_DOCTOR.email, temporaryPassword);
    await doctor.getByTestId('initial-password').waitFor();
    await doctor.getByTestId('password-new').fill(OWN_PASSWORD);
    await doctor.getByTestId('password-confirm').fill(OWN_PASSWORD);
    await doctor.getByTestId('password-submit').click();
    await enroll(doctor);
    const recoveryCodes = await acknowledgeRecoveryCodes(doctor);
    await doctor.getByTestId('patient-row').first().waitFor();
    const rows = doctor.getByTestId('patient-row');
    const storage = await storageOf(doctor);

    expect(recoveryCodes).toBe(10);
    expect(await doctor.getByTestId('current-user').textContent()).toBe(NEW_DOCTOR.name);
    expect(await rows.count()).toBe(1);
    expect(await rows.first().locator('.patient-row__kanji').textContent()).toBe(assignedPatient);
    expect(storage.local).toBe(0);
    expect(storage.session).toBe(0);
    expect(storage.cookies).not.toContain('mc_refresh');
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
});
