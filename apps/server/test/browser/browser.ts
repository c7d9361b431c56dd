// What the browser tests share: a headless Chromium, error collection and the login steps.
import { Secret, TOTP } from 'otpauth';
import { chromium, type Browser, type Page } from 'playwright-core';

export const STEP_MS = 30_000;

/** An authenticator as read off the enrollment screen, and the step of its last code. */
export interface Authenticator {
  totp: TOTP;
  /** The 30-second step of the last code sent; the server refuses that step again. */
  usedStep: number;
}

/** A headless Chromium of its own (a separate browser process); `extraArgs` add switches. */
export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-gpu',
      '--no-first-run',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

/**
 * A CSP violation (Chromium reports it as a console error) or a script error in the built app
 * is a failure of the test. Refused API calls (401, 403, 404) are expected on some screens.
 */
export function watch(target: Page, problems: string[]): void {
  target.on('console', (message) => {
    if (message.type() === 'error' && !/401|Failed to load resource/.test(message.text())) {
      problems.push(message.text());
    }
  });
  target.on('pageerror', (error) => problems.push(error.message));
}

export async function submitPassword(
  target: Page,
  baseUrl: string,
  email: string,
  password: string,
): Promise<void> {
  await target.goto(`${baseUrl}/`);
  await target.getByTestId('login-tenant').fill('demo');
  await target.getByTestId('login-email').fill(email);
  await target.getByTestId('login-password').fill(password);
  await target.getByTestId('login-submit').click();
}

/** Reads the secret off the enrollment screen and confirms with a first code. */
export async function enroll(target: Page): Promise<Authenticator> {
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

export async function acknowledgeRecoveryCodes(target: Page): Promise<number> {
  const codes = target.getByTestId('recovery-codes').locator('li');
  await codes.first().waitFor();
  const count = await codes.count();
  await target.getByTestId('recovery-ack').click();
  return count;
}

/** A code of a step the server has not accepted yet: a replayed step is refused (RFC 6238 §5.2). */
export async function freshCode(authenticator: Authenticator): Promise<string> {
  if (Math.floor(Date.now() / STEP_MS) <= authenticator.usedStep) {
    await new Promise((resolve) => setTimeout(resolve, STEP_MS - (Date.now() % STEP_MS) + 250));
  }
  authenticator.usedStep = Math.floor(Date.now() / STEP_MS);
  return authenticator.totp.generate();
}

/** What the page keeps in web storage and script-readable cookies; tokens belong in neither. */
export function storageOf(target: Page) {
  // A string, evaluated in the page: the server's type check knows no DOM.
  return target.evaluate<{ local: number; session: number; cookies: string }>(`({
    local: Object.keys(window.localStorage).length,
    session: Object.keys(window.sessionStorage).length,
    cookies: document.cookie,
  })`);
}
