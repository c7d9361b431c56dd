import { Secret, TOTP } from 'otpauth';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type RunningServer } from './server.js';

const PASSWORD = 'browser-demo-password-1';
const STEP_MS = 30_000;
let server: RunningServer;
let browser: Browser;
let doctorContext: BrowserContext;
let page: Page;
const problems: string[] = [];
/** The doctor's authenticator as read off the enrollment screen, and the step of its last code. */
let doctor: Authenticator | null = null;

interface Authenticator {
  totp: TOTP;
  /** The 30-second step of the last code sent; the server refuses that step again. */
  usedStep: number;
}

/** A CSP violation or a script error in the built app is a failure of the test. */
function watch(target: Page): void {
  target.on('console', (message) => {
    if (message.type() === 'error' && !/401|Failed to load resource/.test(message.text())) {
      problems.push(message.text());
    }
  });
  target.on('pageerror', (error) => problems.push(error.message));
}

beforeAll(async () => {
  server = await startServer({ MEDICONNECT_DEMO_PASSWORD: PASSWORD });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-gpu',
      '--no-first-run',
      '--disable-sync',
    ],
  });
  doctorContext = await browser.newContext();
  page = await doctorContext.newPage();
  watch(page);
});

afterAll(async () => {
  await browser.close();
  await server.stop();
});

async function submitPassword(target: Page, email: string): Promise<void> {
  await target.goto(`${server.url}/`);
  await target.getByTestId('login-tenant').fill('demo');
  await target.getByTestId('login-email').fill(email);
  await target.getByTestId('login-password').fill(PASSWORD);
  await target.getByTestId('login-submit').click();
}

/** Reads the secret off the enrollment screen and confirms with a first code. */
async function enroll(target: Page): Promise<Authenticator> {
  await target.getByTestId('mfa-qr').waitFor();
  const shown = (await target.getByTestId('mfa-secret').textContent()) ?? '';
  const totp = new TOTP({
    secret: Secret.fromBase32(shown.replace(/\s/g, '')),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  });
  const usedStep = Math.floor(Date.now() / STEP_MS);
  await target.getByTestId('mfa-code').fill(totp.generate());
  await target.getByTestId('mfa-submit').click();
  return { totp, usedStep };
}

async function acknowledgeRecoveryCodes(target: Page): Promise<number> {
  const codes = target.getByTestId('recovery-codes').locator('li');
  await codes.first().waitFor();
  const count = await codes.count();
  await target.getByTestId('recovery-ack').click();
  return count;
}

/** A code of a step the server has not accepted yet: a replayed step is refused (RFC 6238 §5.2). */
async function freshCode(authenticator: Authenticator): Promise<string> {
  if (Math.floor(Date.now() / STEP_MS) <= authenticator.usedStep) {
    await new Promise((resolve) => setTimeout(resolve, STEP_MS - (Date.now() % STEP_MS) + 250));
  }
  authenticator.usedStep = Math.floor(Date.now() / STEP_MS);
  return authenticator.totp.generate();
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

  // A string, evaluated in the page: the server's type check knows no DOM.
  const storage = await page.evaluate<{ local: number; session: number; cookies: string }>(`({
    local: Object.keys(window.localStorage).length,
    session: Object.keys(window.sessionStorage).length,
    cookies: document.cookie,
  })`);

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
  watch(admin);
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
