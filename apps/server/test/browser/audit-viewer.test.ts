import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
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

const DEMO_PASSWORD = 'browser-demo-password-1';
const DOCTOR = { email: 'doctor@demo.example', name: '山田 太郎' };
/** A doctor of the demo clinic with no patient in care: every chart is outside the care team. */
const OTHER_DOCTOR = { email: 'doctor2@demo.example', name: '鈴木 一郎' };
const EMERGENCY_REASON = '救急外来に意識障害で搬送、既往歴と処方の確認のため';
/** The charts the doctor opens: enough reads that the trail runs past one page of 20. */
const CHARTS_READ = 3;

let server: RunningServer;
let browser: Browser;
let adminContext: BrowserContext;
let admin: Page;
const problems: string[] = [];
let doctorId = '';
let adminAuthenticator: Authenticator | null = null;
/** A patient the first doctor read, as the admin's audit log links it. */
let patientRead = '';

const tokyoTime = new Intl.DateTimeFormat('ja-JP', {
  timeZone: 'Asia/Tokyo',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

const TOKYO_OFFSET_MS = 9 * 60 * 60 * 1000;

/** Today's date in Tokyo as "YYYY-MM-DD", what the date inputs take. */
function tokyoToday(): string {
  return new Date(Date.now() + TOKYO_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * A zone whose calendar date differs from Tokyo's at this hour (Honolulu is 19 hours behind,
 * Kiritimati 5 ahead), so a viewer that read days or printed times in the browser's own zone
 * would be caught whenever the test runs.
 */
function zoneOnAnotherDate(): string {
  const tokyoHour = new Date(Date.now() + TOKYO_OFFSET_MS).getUTCHours();
  return tokyoHour < 19 ? 'Pacific/Honolulu' : 'Pacific/Kiritimati';
}

beforeAll(async () => {
  server = await startServer({ MEDICONNECT_DEMO_PASSWORD: DEMO_PASSWORD });
  browser = await launchBrowser();
  // A browser far from Japan: the viewer must still speak Japan time.
  adminContext = await browser.newContext({ timezoneId: zoneOnAnotherDate() });
  admin = await adminContext.newPage();
  watch(admin, problems);
});

afterAll(async () => {
  await browser.close();
  await server.stop();
});

const rows = () => admin.getByTestId('audit-row');

interface ShownRow {
  id: string;
  seq: number;
  actorId: string;
  action: string;
  outcome: string;
}

/** What the rows on screen say about themselves (a string: the server's types know no DOM). */
function shownRows(): Promise<ShownRow[]> {
  return admin.evaluate<ShownRow[]>(`
    [...document.querySelectorAll('[data-testid="audit-row"]')].map((row) => ({
      id: row.dataset.eventId,
      seq: Number(row.dataset.seq),
      actorId: row.dataset.actorId,
      action: row.dataset.action,
      outcome: row.dataset.outcome,
    }))`);
}

/** A row of the given action, as its data attribute names it. */
function rowOf(action: string) {
  return admin.locator(`[data-testid="audit-row"][data-action="${action}"]`).first();
}

/**
 * What someone with the database owner's rights could do while the server is down: switch off
 * the append-only triggers and turn the doctor's failed login into a success. Returns the id of
 * the rewritten event, one the chain had already linked.
 */
async function coverUpFailedLogin(dataDir: string): Promise<string> {
  const db = await PGlite.create(path.join(dataDir, 'pglite'));
  try {
    const found = await db.query<{ schema: string }>(
      `select table_schema as schema from information_schema.tables
        where table_name = 'audit_chain' limit 1`,
    );
    const schema = `"${found.rows[0]?.schema ?? ''}"`;
    const target = await db.query<{ id: string }>(
      `select e.id from ${schema}.audit_events e
         join ${schema}.audit_chain c on c.event_id = e.id
        where e.action = 'auth.login' and e.outcome = 'failure'
        order by e.seq limit 1`,
    );
    const id = target.rows[0]?.id ?? '';
    await db.exec(`
      alter table ${schema}.audit_events disable trigger user;
      update ${schema}.audit_events set outcome = 'success' where id = '${id}';
      alter table ${schema}.audit_events enable trigger user;`);
    return id;
  } finally {
    await db.close();
  }
}

/** Submits the filter form and waits for the list of that search to land. */
async function search(): Promise<void> {
  const answered = admin.waitForResponse(
    (response) => new URL(response.url()).pathname === '/api/v1/audit',
  );
  await admin.getByTestId('audit-filter-submit').click();
  await answered;
  await admin.getByTestId('audit-count').or(admin.getByRole('alert')).first().waitFor();
}

it('leaves a failed login and chart reads of the demo doctor in the trail', async () => {
  const context = await browser.newContext();
  const doctor = await context.newPage();
  watch(doctor, problems);
  try {
    await submitPassword(doctor, server.url, DOCTOR.email, 'not-the-password');
    await doctor.getByRole('alert').waitFor();
    await submitPassword(doctor, server.url, DOCTOR.email, DEMO_PASSWORD);
    await enroll(doctor);
    await acknowledgeRecoveryCodes(doctor);
    for (let chart = 0; chart < CHARTS_READ; chart += 1) {
      await doctor.getByTestId('nav-patients').click();
      await doctor.getByTestId('patient-row').nth(chart).click();
      await doctor.getByTestId('patient-chart').waitFor();
      await doctor.getByTestId('encounter-item').first().waitFor();
    }

    expect(await doctor.getByTestId('current-user').textContent()).toBe(DOCTOR.name);
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
});

it("shows the admin the doctor's chart reads, newest first, by name and in Japan time", async () => {
  await submitPassword(admin, server.url, 'admin@demo.example', DEMO_PASSWORD);
  adminAuthenticator = await enroll(admin);
  await acknowledgeRecoveryCodes(admin);
  await admin.getByTestId('nav-audit').click();
  await rows().first().waitFor();
  const read = rowOf('patient.read');
  const occurredAt = (await read.getByTestId('audit-time').getAttribute('datetime')) ?? '';
  patientRead = (await read.getByTestId('audit-patient').getAttribute('href')) ?? '';
  const shown = await shownRows();

  expect(await read.getByTestId('audit-actor').textContent()).toBe(DOCTOR.name);
  expect(await read.getByTestId('audit-action').textContent()).toContain('患者情報の閲覧');
  expect(patientRead).toMatch(/^\/patients\/[0-9a-f-]{36}$/);
  expect(await read.getByTestId('audit-time').textContent()).toBe(
    tokyoTime.format(new Date(occurredAt)),
  );
  expect(shown.map((row) => row.seq)).toEqual(
    [...shown.map((row) => row.seq)].sort((a, b) => b - a),
  );
  expect(problems).toEqual([]);
});

it("finds the doctor's failed login by the outcome filter", async () => {
  await admin.getByTestId('audit-filter-outcome').selectOption('failure');
  await search();
  const shown = await shownRows();
  const login = rowOf('auth.login');

  expect(shown.length).toBeGreaterThan(0);
  expect(shown.every((row) => row.outcome === 'failure')).toBe(true);
  expect(await login.getByTestId('audit-actor').textContent()).toBe(DOCTOR.name);
  expect(await login.getByTestId('audit-outcome').textContent()).toBe('失敗');
  expect(problems).toEqual([]);
});

it('narrows the events to one actor chosen from the staff list', async () => {
  await admin.getByTestId('audit-filter-outcome').selectOption('');
  await admin.getByTestId('audit-filter-actor').selectOption({ label: `${DOCTOR.name}（医師）` });
  doctorId = await admin.getByTestId('audit-filter-actor').inputValue();
  await search();
  const shown = await shownRows();

  expect(doctorId).toMatch(/^[0-9a-f-]{36}$/);
  expect(shown.length).toBeGreaterThan(CHARTS_READ);
  expect(shown.every((row) => row.actorId === doctorId)).toBe(true);
  expect(shown.some((row) => row.action === 'patient.read')).toBe(true);
  expect(problems).toEqual([]);
});

it('highlights a break-the-glass access as high severity, with its reason', async () => {
  if (patientRead === '') throw new Error('the listing test did not run');
  const context = await browser.newContext();
  const doctor = await context.newPage();
  watch(doctor, problems);
  try {
    await submitPassword(doctor, server.url, OTHER_DOCTOR.email, DEMO_PASSWORD);
    await enroll(doctor);
    await acknowledgeRecoveryCodes(doctor);
    await doctor.getByTestId('nav-break-glass').click();
    await doctor.getByTestId('break-glass-patient-id').fill(patientRead.split('/').at(-1) ?? '');
    await doctor.getByTestId('break-glass-open').click();
    await doctor.getByTestId('break-glass-reason').fill(EMERGENCY_REASON);
    await doctor.getByTestId('break-glass-submit').click();
    await doctor.getByTestId('break-glass-banner').waitFor();
  } finally {
    await context.close();
  }
  await admin.getByTestId('audit-filter-clear').click();
  await admin.getByTestId('audit-filter-action').fill('break_glass.open');
  await search();
  const grant = rowOf('break_glass.open');

  expect(await grant.getAttribute('data-severity')).toBe('high');
  expect(await grant.getAttribute('class')).toContain('audit-row--high');
  expect(await grant.getByTestId('audit-severity').textContent()).toBe('重要');
  expect(await grant.getByTestId('audit-actor').textContent()).toBe(OTHER_DOCTOR.name);
  expect(await grant.getByTestId('audit-patient').getAttribute('href')).toBe(patientRead);
  expect(await grant.getByTestId('audit-reason').textContent()).toBe(EMERGENCY_REASON);
  expect(problems).toEqual([]);
});

it('keeps the search when the admin opens a chart from the log and comes back', async () => {
  await rowOf('break_glass.open').getByTestId('audit-patient').click();
  await admin.getByTestId('patient-chart').waitFor();
  await admin.getByTestId('nav-audit').click();
  await rows().first().waitFor();
  const shown = await shownRows();

  expect(await admin.getByTestId('audit-filter-action').inputValue()).toBe('break_glass.open');
  expect(shown.length).toBeGreaterThan(0);
  expect(shown.every((row) => row.action === 'break_glass.open')).toBe(true);
  expect(problems).toEqual([]);
});

it("reads the period as Tokyo days: today's events are in, last year's period is empty", async () => {
  await admin.getByTestId('audit-filter-clear').click();
  await admin.getByTestId('audit-filter-from').fill(tokyoToday());
  await admin.getByTestId('audit-filter-to').fill(tokyoToday());
  await search();
  const today = await rows().count();
  await admin.getByTestId('audit-filter-from').fill('2020-01-01');
  await admin.getByTestId('audit-filter-to').fill('2020-12-31');
  await search();

  expect(today).toBeGreaterThan(0);
  expect(await admin.getByTestId('audit-empty').textContent()).toContain('記録はありません');
  expect(problems).toEqual([]);
});

it('pages through the trail with the more button, without repeating an event', async () => {
  await admin.getByTestId('audit-filter-clear').click();
  await admin.getByTestId('audit-filter-limit').selectOption('20');
  await search();
  const firstPage = await rows().count();
  await admin.getByTestId('audit-more').click();
  await rows().nth(firstPage).waitFor();
  const shown = await shownRows();
  const seqs = shown.map((row) => row.seq);

  expect(firstPage).toBe(20);
  expect(new Set(shown.map((row) => row.id)).size).toBe(shown.length);
  expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
  expect(problems).toEqual([]);
});

it('shows the patient id the server refused next to the patient filter', async () => {
  await admin.getByTestId('audit-filter-clear').click();
  await admin.getByTestId('audit-filter-patient').fill('not-a-patient-id');
  await search();
  const input = admin.getByTestId('audit-filter-patient');
  const describedBy = (await input.getAttribute('aria-describedby')) ?? '';
  const message = admin.locator(`[id="${describedBy.split(' ').at(-1) ?? ''}"]`);

  expect(await input.getAttribute('aria-invalid')).toBe('true');
  expect(await message.textContent()).toContain('患者IDの形式が正しくありません');
  expect(await rows().count()).toBe(0);
  expect(problems).toEqual([]);
});

it('refuses an end date before the start date next to the end date, without a request', async () => {
  let requests = 0;
  const count = (request: { url: () => string }) => {
    if (new URL(request.url()).pathname === '/api/v1/audit') requests += 1;
  };
  await admin.getByTestId('audit-filter-from').fill('2026-03-10');
  await admin.getByTestId('audit-filter-to').fill('2026-03-09');
  admin.on('request', count);
  await admin.getByTestId('audit-filter-submit').click();
  const message = admin.getByText('終了日は開始日以降の日付にしてください。');
  await message.waitFor();
  admin.off('request', count);
  const to = admin.getByTestId('audit-filter-to');

  expect(await to.getAttribute('aria-invalid')).toBe('true');
  expect(await to.getAttribute('aria-describedby')).toContain(await message.getAttribute('id'));
  expect(await admin.getByTestId('audit-filter-from').getAttribute('aria-invalid')).toBeNull();
  expect(requests).toBe(0);
  expect(problems).toEqual([]);
});

it('verifies the hash chain and reports it intact', async () => {
  await admin.getByTestId('audit-verify-run').click();
  const status = admin.getByTestId('audit-verify-status');
  await status.waitFor();
  const checked = (await admin.getByTestId('audit-verify-checked').textContent()) ?? '';

  expect(await status.getAttribute('data-status')).toBe('intact');
  expect(await status.textContent()).toBe('正常');
  expect(Number(/[\d,]+/.exec(checked)?.[0].replace(/,/g, '') ?? '0')).toBeGreaterThan(0);
  expect(await admin.getByTestId('audit-verify-broken').count()).toBe(0);
  expect(problems).toEqual([]);
});

it("reports an event rewritten behind the server's back as 改ざん検出, naming it", async () => {
  if (adminAuthenticator === null) throw new Error('the listing test did not run');
  const { dataDir } = server;
  await server.stop({ keepData: true });
  const rewritten = await coverUpFailedLogin(dataDir);
  server = await startServer({ MEDICONNECT_DEMO_PASSWORD: DEMO_PASSWORD }, { dataDir });
  // Cookies ignore ports: forget the old session so the admin signs in again, as after a restart.
  await adminContext.clearCookies();
  await submitPassword(admin, server.url, 'admin@demo.example', DEMO_PASSWORD);
  await admin.getByTestId('mfa-verify-code').fill(await freshCode(adminAuthenticator));
  await admin.getByTestId('mfa-verify-submit').click();
  await admin.getByTestId('nav-audit').click();
  await admin.getByTestId('audit-verify-run').click();
  const status = admin.getByTestId('audit-verify-status');
  await status.waitFor();
  const broken = (await admin.getByTestId('audit-verify-broken').textContent()) ?? '';

  expect(rewritten).toMatch(/^[0-9a-f-]{36}$/);
  expect(await status.getAttribute('data-status')).toBe('broken');
  expect(await status.textContent()).toBe('改ざん検出');
  expect(broken).toContain('内容またはハッシュが書き換えられています');
  expect(broken).toContain(rewritten);
  expect(await admin.getByTestId('audit-verify-pending').textContent()).toContain(
    '検証できていません',
  );
  expect(problems).toEqual([]);
}, 120_000);
