import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  acknowledgeRecoveryCodes,
  enroll,
  freshCode,
  launchBrowser,
  storageOf,
  submitPassword as submitAt,
  watch,
  type Authenticator,
} from './browser.js';
import { startServer, type RunningServer } from './server.js';

const PASSWORD = 'browser-demo-password-1';
let server: RunningServer;
let browser: Browser;
let doctorContext: BrowserContext;
let page: Page;
const problems: string[] = [];
/** The doctor's authenticator as read off the enrollment screen, and the step of its last code. */
let doctor: Authenticator | null = null;

beforeAll(async () => {
  server = await startServer({ MEDICONNECT_DEMO_PASSWORD: PASSWORD });
  browser = await launchBrowser();
  doctorContext = await browser.newContext();
  page = await doctorContext.newPage();
  watch(page, problems);
});

afterAll(async () => {
  await browser.close();
  await server.stop();
});

function submitPassword(target: Page, email: string): Promise<void> {
  return submitAt(target, server.url, email, PASSWORD);
}

it('enrolls the demo doctor in MFA at first login, then shows the patients and a chart, keeping no token in web storage', async () => {
  await submitPassword(page, 'doctor@demo.example');
  doctor = await enroll(page);
  const recoveryCodes = await acknowledgeRecoveryCodes(page);
  await page.getByTestId('patient-row').first().waitFor();
  const rows = await page.getByTestId('patient-row').count();
  await page.getByTestId('patient-row').first().click();
  await page.getByTestId('patient-chart').waitFor();
  await page.getByTestId('encounter-item').first().waitFor();

  const storage = await storageOf(page);

  expect(recoveryCodes).toBe(10);
  expect(rows).toBeGreaterThanOrEqual(6);
  expect(storage.local).toBe(0);
  expect(storage.session).toBe(0);
  expect(storage.cookies).not.toContain('mc_refresh');
  expect(storage.cookies).not.toContain('eyJ');
  expect(problems).toEqual([]);
});

it('restores the session after a reload through the refresh cookie', async () => {
  await page.reload();

  await page.getByTestId('current-user').waitFor();
  await page.getByTestId('patient-chart').waitFor();

  expect(await page.getByTestId('current-user').textContent()).toContain('山田');
  expect(problems).toEqual([]);
});

it('asks the enrolled doctor for a code at the next login, and lists the session in the settings', async () => {
  if (doctor === null) throw new Error('the enrollment test did not run');
  await page.getByTestId('logout').click();
  await page.getByTestId('login-submit').waitFor();

  await submitPassword(page, 'doctor@demo.example');
  await page.getByTestId('mfa-verify-code').waitFor();
  await page.getByTestId('mfa-verify-code').fill(await freshCode(doctor));
  await page.getByTestId('mfa-verify-submit').click();
  await page.getByTestId('patient-row').first().waitFor();

  await page.getByTestId('nav-settings').click();
  await page.getByTestId('session-row').first().waitFor();
  const sessions = await page.getByTestId('session-row').count();
  const current = await page.locator('[data-testid="session-row"][data-current]').count();

  expect(sessions).toBe(1);
  expect(current).toBe(1);
  expect(await page.getByTestId('mfa-status').textContent()).toContain('設定済み');
  expect(problems).toEqual([]);
});

it('ends every session of the doctor with "revoke all", back at the login screen', async () => {
  await page.getByTestId('sessions-revoke-all').click();
  await page.getByTestId('sessions-revoke-all-confirm').click();
  await page.getByText('すべての端末からログアウトしました。').waitFor();

  await page.reload();
  await page.getByTestId('login-submit').waitFor();

  expect(await page.getByTestId('current-user').count()).toBe(0);
  expect(problems).toEqual([]);
});

it("lets the demo admin enroll, see the staff with their MFA state and reset a doctor's MFA", async () => {
  const context = await browser.newContext();
  const admin = await context.newPage();
  watch(admin, problems);
  try {
    await submitPassword(admin, 'admin@demo.example');
    await enroll(admin);
    await acknowledgeRecoveryCodes(admin);
    await admin.getByTestId('nav-staff').click();
    await admin.getByTestId('staff-row').first().waitFor();
    const staff = await admin.getByTestId('staff-row').count();
    const doctorRow = admin.locator('[data-testid="staff-row"][data-email="doctor@demo.example"]');
    const enrolledBefore = await doctorRow.getByTestId('staff-mfa').textContent();

    await doctorRow.getByTestId('staff-reset-mfa').click();
    await doctorRow.getByTestId('staff-reset-mfa-confirm').click();
    await admin.getByText('山田 太郎さんの二要素認証をリセットしました').waitFor();

    expect(staff).toBe(5);
    expect(enrolledBefore).toContain('設定済み');
    expect(await doctorRow.getByTestId('staff-mfa').textContent()).toContain('未設定');
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
});
