import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  acknowledgeRecoveryCodes,
  enroll,
  launchBrowser,
  submitPassword,
  watch,
} from './browser.js';
import { startServer, type RunningServer } from './server.js';

const PASSWORD = 'browser-demo-password-2';
const REASON = '救急外来に搬送、意識障害あり。既往歴と投薬歴の確認が必要なため。';
let server: RunningServer;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  server = await startServer({ MEDICONNECT_DEMO_PASSWORD: PASSWORD });
  browser = await launchBrowser();
  page = await (await browser.newContext()).newPage();
  watch(page, problems);
});

afterAll(async () => {
  await browser.close();
  await server.stop();
});

/** A demo patient's id, asked of the API as the demo clerk (no MFA for clerks). */
async function demoPatientId(): Promise<string> {
  const headers = { 'content-type': 'application/json', origin: server.url };
  const login = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ tenant: 'demo', email: 'clerk@demo.example', password: PASSWORD }),
  });
  const { accessToken } = (await login.json()) as { accessToken: string };
  const list = await fetch(`${server.url}/api/v1/patients`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  const { items } = (await list.json()) as { items: { id: string }[] };
  const id = items[0]?.id;
  if (id === undefined) throw new Error('the demo clinic has no patients');
  return id;
}

it('keeps the break-the-glass banner of a running grant after a reload', async () => {
  const patientId = await demoPatientId();
  await submitPassword(page, server.url, 'doctor2@demo.example', PASSWORD);
  await enroll(page);
  await acknowledgeRecoveryCodes(page);
  await page.getByTestId('current-user').waitFor();
  await page.goto(`${server.url}/patients/${patientId}`);
  await page.getByTestId('break-glass-reason').fill(REASON);
  await page.getByTestId('break-glass-submit').click();
  await page.getByTestId('break-glass-banner').waitFor();

  await page.reload();
  await page.getByTestId('patient-chart').waitFor();
  await page.getByTestId('break-glass-banner').waitFor();

  expect(await page.getByTestId('break-glass-banner').isVisible()).toBe(true);
  expect(problems).toEqual([]);
});
