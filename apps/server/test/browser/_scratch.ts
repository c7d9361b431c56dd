import type { Page } from 'playwright-core';
import {
  acknowledgeRecoveryCodes,
  enroll,
  launchBrowser,
  submitPassword,
  watch,
} from './browser.js';
import { startServer } from './server.js';

const PW = 'browser-demo-password-1';
const problems: string[] = [];
const shot = (p: Page, name: string) =>
  p.screenshot({ path: `/tmp/shots/${name}.png`, fullPage: true });
const server = await startServer({ MEDICONNECT_DEMO_PASSWORD: PW });
const browser = await launchBrowser();
async function fresh() {
  const ctx = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await ctx.newPage();
  watch(page, problems);
  return { ctx, page };
}
try {
  // admin
  const { page: admin } = await fresh();
  await submitPassword(admin, server.url, 'admin@demo.example', PW);
  await enroll(admin);
  await acknowledgeRecoveryCodes(admin);
  await admin.getByTestId('nav-staff').click();
  await admin.getByTestId('staff-row').first().waitFor();
  await admin.getByTestId('staff-invite').click();
  await admin.getByTestId('staff-invite-submit').click();
  await shot(admin, '01-invite-empty-errors');
  await admin.getByTestId('staff-invite-email').fill('doctor@demo.example');
  await admin.getByTestId('staff-invite-name').fill('重複 太郎');
  await admin.getByTestId('staff-invite-role').selectOption('nurse');
  await admin.getByTestId('staff-invite-password').fill('password1234');
  await admin.getByTestId('staff-invite-submit').click();
  await admin.waitForTimeout(800);
  await shot(admin, '02-invite-weak');
  console.log('weak:', await admin.locator('.field__error').allTextContents());
  await admin.getByTestId('staff-invite-password-generate').click();
  await admin.getByTestId('staff-invite-submit').click();
  await admin.waitForTimeout(800);
  console.log('dup:', await admin.locator('.field__error').allTextContents());
  await admin.getByTestId('staff-invite-email').fill('nurse2@demo.example');
  await admin.getByTestId('staff-invite-submit').click();
  await admin.getByTestId('staff-handover').waitFor();
  await shot(admin, '03-handover');
  await admin.getByTestId('staff-handover-close').click();
  // role change nurse2 -> clerk
  const n2 = admin.locator('[data-testid="staff-row"][data-email="nurse2@demo.example"]');
  await n2.getByTestId('staff-role').selectOption('clerk');
  await shot(admin, '04-role-confirm');
  await n2.getByTestId('staff-role-confirm').click();
  await admin.getByText('役割を「医療事務」に変更しました').waitFor();
  await n2.getByTestId('staff-deactivate').click();
  await n2.getByTestId('staff-deactivate-confirm').click();
  await admin.getByText('アカウントを無効にしました').waitFor();
  console.log('n2 status:', await n2.getByTestId('staff-status').textContent());
  // self PATCH through the API, as a check of the error words (the UI disables these controls)
  await shot(admin, '05-staff');

  // patient id for later
  await admin.getByRole('link', { name: '患者一覧' }).click();
  await admin.getByTestId('patient-row').first().click();
  await admin.getByTestId('patient-chart').waitFor();
  const patientId = new URL(admin.url()).pathname.split('/').pop() ?? '';
  await shot(admin, '06-admin-chart-profile');
  await admin.getByTestId('portal-open').click();
  await admin.getByTestId('portal-email').fill('patient1@demo.example');
  await admin.getByTestId('portal-password-generate').click();
  await admin.getByTestId('portal-submit').click();
  await admin.waitForTimeout(1500);
  await shot(admin, '07a-portal-fail');
  console.log('portal:', await admin.locator('.notice, .field__error').allTextContents());
  await admin.getByTestId('portal-handover').waitFor();
  const portalPassword = (await admin.getByTestId('portal-handover-password').textContent()) ?? '';
  await shot(admin, '07-portal-handover');
  await admin.getByTestId('portal-handover-close').click();
  await admin.getByTestId('portal-open').waitFor({ state: 'detached' });
  // a second one
  await admin.reload();
  await admin.getByTestId('portal-open').click();
  await admin.getByTestId('portal-email').fill('patient1b@demo.example');
  await admin.getByTestId('portal-password-generate').click();
  await admin.getByTestId('portal-submit').click();
  await admin.waitForTimeout(800);
  console.log('portal second:', await admin.locator('.notice').allTextContents());
  await admin.getByTestId('tab-careTeam').click();
  await admin.getByTestId('care-team-row').first().waitFor();
  await shot(admin, '08-admin-careteam');

  // doctor2: break-glass
  const { page: d2 } = await fresh();
  await submitPassword(d2, server.url, 'doctor2@demo.example', PW);
  await enroll(d2);
  await acknowledgeRecoveryCodes(d2);
  await d2.getByTestId('nav-break-glass').click();
  await d2.getByTestId('break-glass-patient-id').fill('not-an-id');
  await d2.getByTestId('break-glass-open').click();
  await shot(d2, '09-bg-page-invalid');
  await d2.getByTestId('break-glass-patient-id').fill('00000000-0000-4000-8000-000000000000');
  await d2.getByTestId('break-glass-open').click();
  await d2.getByTestId('break-glass-reason').fill('救急搬送のため既往歴と服薬を確認する必要がある');
  await d2.getByTestId('break-glass-submit').click();
  await d2.waitForTimeout(800);
  console.log('unknown patient:', await d2.locator('.notice').allTextContents());
  await d2.getByTestId('nav-break-glass').click();
  await d2.getByTestId('break-glass-patient-id').fill(patientId.toUpperCase());
  await d2.getByTestId('break-glass-open').click();
  await d2.getByTestId('break-glass-form').waitFor();
  await d2.getByTestId('break-glass-reason').fill('短い理由');
  await d2.getByTestId('break-glass-submit').click();
  await shot(d2, '10-bg-form-short');
  await d2
    .getByTestId('break-glass-reason')
    .fill('夜間救急で来院、意識障害あり。担当医不在のため既往歴と処方を確認する。');
  await d2.getByTestId('break-glass-submit').click();
  await d2.getByTestId('break-glass-banner').waitFor();
  await d2.getByTestId('encounter-item').first().waitFor();
  console.log('banner:', await d2.getByTestId('break-glass-banner').textContent());
  console.log('new encounter buttons:', await d2.getByText('新規診療記録').count());
  await shot(d2, '11-bg-chart');
  await d2.getByText('詳細・修正履歴 →').first().click();
  await d2.getByTestId('encounter-detail').waitFor();
  console.log('amend buttons:', await d2.getByText('修正する', { exact: true }).count());
  await shot(d2, '12-bg-encounter');

  // admin review
  await admin.getByTestId('nav-break-glass-review').click();
  await admin.getByTestId('break-glass-row').first().waitFor();
  await shot(admin, '13-review');
  await admin.getByTestId('break-glass-review').first().click();
  await admin.getByText('確認済みにしました').waitFor();
  await shot(admin, '14-reviewed');
  await admin.getByTestId('break-glass-unreviewed-only').check();
  await admin.waitForTimeout(500);
  console.log('unreviewed rows:', await admin.getByTestId('break-glass-row').count());

  // clerk care team
  const { page: clerk } = await fresh();
  await submitPassword(clerk, server.url, 'clerk@demo.example', PW);
  await clerk.getByTestId('patient-row').first().waitFor();
  await clerk.goto(`${server.url}/patients/${patientId}?tab=careTeam`);
  await clerk.getByTestId('care-team-row').first().waitFor();
  console.log(
    'clerk add controls:',
    await clerk.getByTestId('care-team-add').count(),
    await clerk.getByTestId('care-team-add-unavailable').textContent(),
  );
  await clerk.getByTestId('care-team-remove').first().click();
  await shot(clerk, '15-clerk-careteam-confirm');
  await clerk.getByTestId('care-team-remove-confirm').click();
  await clerk.getByText('ケアチームから外しました').waitFor();
  await shot(clerk, '16-clerk-careteam-removed');

  // patient portal
  const { page: pt } = await fresh();
  await submitPassword(pt, server.url, 'patient1@demo.example', portalPassword);
  await pt.getByTestId('initial-password').waitFor();
  await pt.getByTestId('password-new').fill('lantern-orchid-basalt-1987');
  await pt.getByTestId('password-confirm').fill('lantern-orchid-basalt-1987');
  await pt.getByTestId('password-submit').click();
  await pt.getByTestId('my-page').waitFor();
  await pt.waitForTimeout(800);
  console.log('mypage url:', pt.url());
  await shot(pt, '17-mypage');
  await pt.goto(`${server.url}/patients`);
  await pt.getByTestId('my-page').waitFor();
  console.log('patient /patients ->', pt.url());
} finally {
  console.log('problems:', problems);
  await browser.close();
  await server.stop();
}
