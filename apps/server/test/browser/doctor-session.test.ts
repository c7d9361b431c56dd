import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type RunningServer } from './server.js';

const PASSWORD = 'browser-demo-password-1';
let server: RunningServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  server = await startServer({ MEDICONNECT_DEMO_PASSWORD: PASSWORD });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu',
      '--no-first-run', '--disable-sync'],
  });
  page = await browser.newPage();
  // A CSP violation or a script error in the built app is a failure of this test.
  page.on('console', (message) => {
    if (message.type() === 'error' && !/401|Failed to load resource/.test(message.text())) {
      problems.push(message.text());
    }
  });
  page.on('pageerror', (error) => problems.push(error.message));
});

afterAll(async () => {
  await browser.close();
  await server.stop();
});

async function logIn(): Promise<void> {
  await page.goto(`${server.url}/`);
  await page.getByTestId('login-tenant').fill('demo');
  await page.getByTestId('login-email').fill('doctor@demo.example');
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('patient-row').first().waitFor();
}

it('lets the demo doctor log in, see the patients and open a chart, keeping no token in web storage', async () => {
  await logIn();
  const rows = await page.getByTestId('patient-row').count();
  await page.getByTestId('patient-row').first().click();
  await page.getByTestId('patient-chart').waitFor();
  await page.getByTestId('encounter-item').first().waitFor();

  // A string, evaluated in the page: the server's type check knows no DOM.
  const storage = (await page.evaluate(`({
    local: Object.keys(window.localStorage).length,
    session: Object.keys(window.sessionStorage).length,
    cookies: document.cookie,
  })`)) as { local: number; session: number; cookies: string };

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
