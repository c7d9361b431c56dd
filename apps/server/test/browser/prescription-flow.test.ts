// The prescription flow of issue 6 in a real browser against the real server: a doctor writes a
// prescription with two medications, downloads its PDF, uploads a file and follows its scan
// through a real clamd; then the patient downloads the same prescription from the portal.
import fs from 'node:fs';
import type { Browser, Download, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EICAR, startClamd, type RunningClamd } from '../support/clamd.js';
import {
  acknowledgeRecoveryCodes,
  enroll,
  freshCode,
  launchBrowser,
  submitPassword,
  watch,
  type Authenticator,
} from './browser.js';
import { startServer, type RunningServer } from './server.js';

const PASSWORD = 'browser-demo-password-1';
/** The demo patient behind patient@demo.example, in the demo doctor's care. */
const PATIENT = '青木';
/** A YJ code and a receipt code (レセプト電算コード), one of each kind the server accepts. */
const FIRST = {
  name: 'ロキソプロフェンNa錠60mg',
  code: '1149019F1560',
  dose: '1',
  frequency: '1日3回毎食後',
  days: '5',
};
const SECOND = {
  name: 'レバミピド錠100mg',
  code: '620098801',
  dose: '1',
  frequency: '1日3回毎食後',
  days: '5',
};

let server: RunningServer;
let clamd: RunningClamd;
let browser: Browser;
let doctor: Page;
let authenticator: Authenticator | null = null;
const problems: string[] = [];

beforeAll(async () => {
  clamd = await startClamd();
  server = await startServer({
    MEDICONNECT_DEMO_PASSWORD: PASSWORD,
    MEDICONNECT_CLAMD_SOCKET: clamd.socketPath,
  });
  browser = await launchBrowser();
  doctor = await (await browser.newContext()).newPage();
  watch(doctor, problems);
});

afterAll(async () => {
  await browser.close();
  await server.stop();
  await clamd.stop();
});

/** The first bytes of a downloaded file and the name the server gave it. */
async function saved(download: Download): Promise<{ head: string; name: string }> {
  const file = await download.path();
  return {
    head: fs.readFileSync(file).subarray(0, 5).toString('latin1'),
    name: download.suggestedFilename(),
  };
}

async function fillMedication(row: Locator, med: typeof FIRST): Promise<void> {
  await row.getByTestId('rx-med-name').fill(med.name);
  await row.getByTestId('rx-med-code').fill(med.code);
  await row.getByTestId('rx-med-dose').fill(med.dose);
  await row.getByTestId('rx-med-frequency').selectOption(med.frequency);
  await row.getByTestId('rx-med-days').fill(med.days);
}

/**
 * The value of a progress bar seen part way (above 0, below 100), polled from here: the page's
 * CSP refuses the string evaluation waitForFunction would need. 0 if never seen so.
 */
async function partWay(bar: Locator): Promise<number> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const value = Number(
      (await bar.getAttribute('value', { timeout: 15_000 }).catch(() => null)) ?? 0,
    );
    if (value > 0 && value < 100) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return 0;
}

/** A real PNG (1×1) padded to `size` bytes, so the upload takes long enough to show progress. */
function png(size: number): Buffer {
  const pixel = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
    'base64',
  );
  return Buffer.concat([pixel, Buffer.alloc(Math.max(0, size - pixel.length))]);
}

it('lets the doctor issue a prescription with two medications, list it and download its PDF', async () => {
  await submitPassword(doctor, server.url, 'doctor@demo.example', PASSWORD);
  authenticator = await enroll(doctor);
  await acknowledgeRecoveryCodes(doctor);
  await doctor
    .getByTestId('patient-row')
    .filter({ hasText: PATIENT })
    .first()
    .locator('a')
    .first()
    .click();
  await doctor.getByTestId('tab-prescriptions').click();
  await doctor.getByTestId('rx-new').click();
  await fillMedication(doctor.getByTestId('rx-med').nth(0), FIRST);
  await doctor.getByTestId('rx-add-medication').click();
  await fillMedication(doctor.getByTestId('rx-med').nth(1), SECOND);
  await doctor.getByTestId('rx-notes').fill('<b>胃部不快感あれば中止</b>');
  await doctor.getByTestId('rx-submit').click();

  const sheet = doctor.getByTestId('rx-sheet');
  await sheet.waitFor();
  await doctor.getByTestId('rx-row').first().waitFor();
  const sheetMeds = await sheet.getByTestId('rx-sheet-med').allTextContents();
  const sheetText = (await sheet.textContent()) ?? '';
  const [download] = await Promise.all([
    doctor.waitForEvent('download'),
    doctor.getByTestId('rx-download').click(),
  ]);
  const pdf = await saved(download);

  expect(sheetMeds).toHaveLength(2);
  expect(sheetMeds[0]).toContain(FIRST.name);
  expect(sheetMeds[1]).toContain(SECOND.code);
  // Record text is shown as text: the tags are visible characters, not markup.
  expect(sheetText).toContain('<b>胃部不快感あれば中止</b>');
  expect(await doctor.getByTestId('rx-row').count()).toBe(1);
  expect(await doctor.getByTestId('rx-row').first().textContent()).toContain('2剤');
  expect(pdf.head).toBe('%PDF-');
  expect(pdf.name).toMatch(/\.pdf$/);
  expect(problems).toEqual([]);
});

it('asks for a fresh authenticator code when the server wants a step-up, then issues without a new login', async () => {
  if (authenticator === null) throw new Error('the first test did not run');
  // The server asks for a step-up only 15 minutes after the last MFA; the test cannot wait that
  // long, so the first answer is the server's refusal played back, and everything after is real.
  let refused = 0;
  await doctor.route('**/api/v1/prescriptions', async (route) => {
    if (route.request().method() !== 'POST' || refused > 0) return route.fallback();
    refused += 1;
    await route.fulfill({
      status: 401,
      contentType: 'application/json',
      body: JSON.stringify({
        error: {
          code: 'step_up_required',
          message: 'Confirm with your authenticator code to continue.',
          requestId: 'step-up-test',
        },
      }),
    });
  });
  const stepUps: number[] = [];
  doctor.on('response', (response) => {
    if (response.url().endsWith('/api/v1/auth/mfa/step-up')) stepUps.push(response.status());
  });
  await doctor.getByTestId('rx-new').click();
  await fillMedication(doctor.getByTestId('rx-med').nth(0), FIRST);
  await doctor.getByTestId('rx-submit').click();
  await doctor.getByTestId('rx-step-up-code').fill(await freshCode(authenticator));
  await doctor.getByTestId('rx-step-up-submit').click();
  await doctor.getByText('処方箋を発行しました。').waitFor();
  await doctor.unroute('**/api/v1/prescriptions');
  // The list reloads after the notice: wait for the new row before counting (and before the next
  // test picks a row to cancel).
  await doctor.getByTestId('rx-row').nth(1).waitFor();

  expect(refused).toBe(1);
  expect(stepUps).toEqual([200]);
  expect(await doctor.getByTestId('rx-row').count()).toBe(2);
  expect(await doctor.getByTestId('current-user').count()).toBe(1);
  expect(problems).toEqual([]);
});

it('cancels a prescription with a reason, keeping it listed as 取消 with no PDF to download', async () => {
  const newest = doctor.getByTestId('rx-row').first();
  await newest.getByTestId('rx-open').click();
  await doctor.getByTestId('rx-revoke').click();
  await doctor.getByTestId('rx-revoke-reason').fill('用量の誤りのため再発行');
  await doctor.getByTestId('rx-revoke-confirm').click();
  await doctor.getByText('処方箋を取り消しました。').waitFor();
  await doctor.locator('[data-testid="rx-row"][data-status="cancelled"]').waitFor();

  expect(await doctor.getByTestId('rx-row').count()).toBe(2);
  expect(await doctor.getByTestId('rx-sheet').textContent()).toContain('用量の誤りのため再発行');
  expect(await doctor.getByTestId('rx-detail').getByTestId('rx-download').count()).toBe(0);
  expect(problems).toEqual([]);
});

it('shows the upload progress of a PNG, then its scan state from スキャン待ち to 安全', async () => {
  await doctor.getByTestId('tab-files').click();
  const cdp = await doctor.context().newCDPSession(doctor);
  await cdp.send('Network.enable');
  // About two seconds for 600 kB: long enough to see the bar move between 0 and 100 %.
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: 300 * 1024,
  });
  await doctor.getByTestId('file-input').setInputFiles({
    name: 'referral.png',
    mimeType: 'image/png',
    buffer: png(600 * 1024),
  });
  await doctor.getByTestId('file-submit').click();
  const during = await partWay(doctor.getByTestId('file-progress').locator('progress'));
  const recent = doctor.getByTestId('file-recent');
  await recent.locator('[data-status="quarantined"]').waitFor();
  const waiting = await recent.getByTestId('file-scan-state').textContent();
  await recent.locator('[data-status="clean"]').waitFor({ timeout: 30_000 });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  });

  expect(during).toBeGreaterThan(0);
  expect(during).toBeLessThan(100);
  expect(await recent.locator('progress').getAttribute('value')).toBe('100');
  expect(waiting).toBe('スキャン待ち');
  expect(await recent.getByTestId('file-scan-state').textContent()).toBe('安全');
  await doctor.locator('[data-testid="file-row"] [data-status="clean"]').waitFor();
  expect(problems).toEqual([]);
});

it('shows a PDF carrying the EICAR test signature as ウイルス検出, with no download', async () => {
  await doctor.getByTestId('file-input').setInputFiles({
    name: 'infected.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.from(`%PDF-1.4\n${EICAR}\n%%EOF\n`, 'latin1'),
  });
  await doctor.getByTestId('file-submit').click();
  const recent = doctor.locator('[data-testid="file-recent"]', { hasText: 'infected.pdf' });
  await recent.locator('[data-status="infected"]').waitFor({ timeout: 30_000 });

  expect(await recent.getByTestId('file-scan-state').textContent()).toBe('ウイルス検出');
  expect(await recent.getByTestId('file-download').count()).toBe(0);
  expect(problems).toEqual([]);
});

it('lets the patient sign into the portal and download their own prescription PDF', async () => {
  const context = await browser.newContext();
  const patient = await context.newPage();
  watch(patient, problems);
  try {
    await submitPassword(patient, server.url, 'patient@demo.example', PASSWORD);
    await patient.getByTestId('my-rx-row').first().waitFor();
    const rows = await patient.getByTestId('my-rx-row').count();
    // The two-medication prescription of the first test.
    const row = patient.getByTestId('my-rx-row').filter({ hasText: SECOND.name });
    const listed = (await row.textContent()) ?? '';
    const cancelled = patient.locator('[data-testid="my-rx-row"][data-status="cancelled"]');
    const [download] = await Promise.all([
      patient.waitForEvent('download'),
      row.getByTestId('rx-download').click(),
    ]);
    const pdf = await saved(download);

    expect(rows).toBe(2);
    expect(await cancelled.getByTestId('rx-download').count()).toBe(0);
    expect(listed).toContain(FIRST.name);
    expect(listed).toContain(SECOND.name);
    expect(pdf.head).toBe('%PDF-');
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
});
