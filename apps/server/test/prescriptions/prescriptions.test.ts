import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assignCare,
  bearer,
  createFastClinic,
  createPatient,
  errorCode,
  refreshWith,
  signIn,
  startTestApp,
  type Staff,
  type TestApp,
  type TestClinic,
} from '../support/harness.js';

const pdftotext = fs.existsSync('/usr/bin/pdftotext');
if (!pdftotext && process.env.CI === 'true') {
  throw new Error('pdftotext is missing: .ci/run installs poppler-utils');
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

interface Setting {
  clinic: TestClinic;
  clerk: Staff;
  doctor: Staff;
  patientId: string;
}

async function setting(): Promise<Setting> {
  const clinic = await createFastClinic(t);
  const clerk = await clinic.staff('clerk');
  const doctor = await clinic.staff('doctor');
  const { id: patientId } = await createPatient(t, clerk, {
    familyName: '処方',
    givenName: '花子',
    familyNameKana: 'ショホウ',
    givenNameKana: 'ハナコ',
  });
  await assignCare(t, clerk, patientId, doctor.id);
  return { clinic, clerk, doctor, patientId };
}

const loxoprofen = {
  name: 'ロキソプロフェンNa錠60mg',
  code: '1149019F1560',
  dose: '1',
  unit: '錠',
  frequency: '1日3回毎食後',
  days: 5,
  route: '内服',
};
const rebamipide = { ...loxoprofen, name: 'レバミピド錠100mg', code: '620098801' };

function issue(by: Staff, body: Record<string, unknown>) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/prescriptions',
    headers: bearer(by),
    payload: body,
  });
}

function get(by: Staff, url: string) {
  return t.app.inject({ method: 'GET', url, headers: bearer(by) });
}

async function downloadPdf(by: Staff, id: string): Promise<Buffer> {
  const link = await get(by, `/api/v1/prescriptions/${id}/pdf-url`);
  const url = new URL(link.json<{ url: string }>().url);
  const response = await t.app.inject({ method: 'GET', url: url.pathname + url.search });
  expect(response.headers['content-type']).toBe('application/pdf');
  return response.rawPayload;
}

describe('issuing a prescription', () => {
  it('issues for a doctor in care, valid four days including the day of issue', async () => {
    const s = await setting();

    const response = await issue(s.doctor, {
      patientId: s.patientId,
      medications: [loxoprofen, rebamipide],
      notes: '胃の不快感があれば中止',
    });

    expect(response.statusCode).toBe(201);
    const body = response.json<{ issuedOn: string; validUntil: string }>();
    const days = (Date.parse(body.validUntil) - Date.parse(body.issuedOn)) / 86_400_000;
    expect(days).toBe(3);
    expect(response.json()).toMatchObject({
      status: 'active',
      medications: [
        { code: '1149019F1560', codeSystem: 'yj' },
        { code: '620098801', codeSystem: 'receipt' },
      ],
    });
  });

  it.skipIf(!pdftotext)(
    'renders a PDF whose text holds the patient, the insurance and every medication',
    async () => {
      const s = await setting();
      const issued = await issue(s.doctor, {
        patientId: s.patientId,
        medications: [loxoprofen, rebamipide],
      });

      const pdf = await downloadPdf(s.doctor, issued.json<{ id: string }>().id);
      const text = execFileSync('pdftotext', ['-', '-'], { input: pdf }).toString('utf8');

      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      expect(text).toContain('処方 花子');
      expect(text).toContain('01130012');
      expect(text).toContain('ロキソプロフェンNa錠60mg');
      expect(text).toContain('レバミピド錠100mg');
      expect(t.logs.join('')).not.toContain('処方 花子');
      expect(t.logs.join('')).not.toContain('ロキソプロフェン');
    },
  );

  it.skipIf(!pdftotext)('places text from the record as text, never as PDF syntax', async () => {
    const s = await setting();
    const issued = await issue(s.doctor, {
      patientId: s.patientId,
      medications: [loxoprofen],
      notes: ') Tj /JavaScript << /S /JavaScript /JS (app.alert(1)) >> <script>',
    });

    const pdf = await downloadPdf(s.doctor, issued.json<{ id: string }>().id);

    expect(pdf.toString('latin1')).not.toContain('/JavaScript');
    expect(execFileSync('pdftotext', ['-', '-'], { input: pdf }).toString('utf8')).toContain(
      'app.alert(1)',
    );
  });

  it.each([
    ['a code in neither format', { code: '12345' }, '/medications/0/code'],
    ['more than 90 days', { days: 91 }, '/medications/0/days'],
    ['no days', { days: 0 }, '/medications/0/days'],
    ['a unit outside the list', { unit: 'tablets' }, '/medications/0/unit'],
    ['a zero dose', { dose: '0' }, '/medications/0/dose'],
    ['an unknown route', { route: 'inhale' }, '/medications/0/route'],
  ])('refuses %s on its field', async (_what, change, path) => {
    const s = await setting();

    const response = await issue(s.doctor, {
      patientId: s.patientId,
      medications: [{ ...loxoprofen, ...change }],
    });

    expect(response.statusCode).toBe(400);
    expect(response.json<{ error: { fields: { path: string }[] } }>().error.fields[0]?.path).toBe(
      path,
    );
  });

  it('refuses notes over 500 characters', async () => {
    const s = await setting();

    const response = await issue(s.doctor, {
      patientId: s.patientId,
      medications: [loxoprofen],
      notes: 'あ'.repeat(501),
    });

    expect(response.json()).toMatchObject({ error: { fields: [{ path: '/notes' }] } });
  });

  it('answers 403 to a nurse and 404 to a doctor outside the care team', async () => {
    const s = await setting();
    const nurse = await s.clinic.staff('nurse');
    const stranger = await s.clinic.staff('doctor');
    const body = { patientId: s.patientId, medications: [loxoprofen] };

    const [byNurse, byStranger] = [await issue(nurse, body), await issue(stranger, body)];

    expect([byNurse.statusCode, byStranger.statusCode]).toEqual([403, 404]);
  });

  it('asks for a fresh authenticator code when the last one is older than 15 minutes', async () => {
    const s = await setting();
    const session = await signIn(t, s.clinic.tenant.code, s.doctor.email);
    await t.db.control
      .updateTable('sessions')
      .set({ mfa_at: new Date(Date.now() - 16 * 60_000) })
      .where('user_id', '=', s.doctor.id)
      .execute();
    const refreshed = await refreshWith(t, session);
    const stale = { ...s.doctor, token: refreshed.json<{ accessToken: string }>().accessToken };

    const response = await issue(stale, { patientId: s.patientId, medications: [loxoprofen] });

    expect(response.statusCode).toBe(401);
    expect(errorCode(response)).toBe('step_up_required');
  });
});

describe('after issue', () => {
  async function issued(s: Setting): Promise<string> {
    const response = await issue(s.doctor, { patientId: s.patientId, medications: [loxoprofen] });
    return response.json<{ id: string }>().id;
  }

  it('cancels with a reason, keeping the prescription readable and refusing its PDF', async () => {
    const s = await setting();
    const id = await issued(s);

    const cancel = await t.app.inject({
      method: 'POST',
      url: `/api/v1/prescriptions/${id}/cancel`,
      headers: bearer(s.doctor),
      payload: { reason: '用量を変更するため' },
    });
    const again = await t.app.inject({
      method: 'POST',
      url: `/api/v1/prescriptions/${id}/cancel`,
      headers: bearer(s.doctor),
      payload: { reason: '用量を変更するため' },
    });
    const read = await get(s.doctor, `/api/v1/prescriptions/${id}`);
    const link = await get(s.doctor, `/api/v1/prescriptions/${id}/pdf-url`);

    expect(cancel.json()).toMatchObject({
      status: 'cancelled',
      cancelReason: '用量を変更するため',
    });
    expect(errorCode(again)).toBe('prescription_cancelled');
    expect(read.json()).toMatchObject({ status: 'cancelled' });
    expect(link.statusCode).toBe(409);
  });

  it('refuses a cancellation without a reason', async () => {
    const s = await setting();
    const id = await issued(s);

    const cancel = await t.app.inject({
      method: 'POST',
      url: `/api/v1/prescriptions/${id}/cancel`,
      headers: bearer(s.doctor),
      payload: {},
    });

    expect(cancel.json()).toMatchObject({ error: { fields: [{ path: '/reason' }] } });
  });

  it('lets the patient list and download their own prescription, and no one else’s', async () => {
    const s = await setting();
    const id = await issued(s);
    const patient = await s.clinic.staff('patient', { patientId: s.patientId });
    const { id: otherId } = await createPatient(t, s.clerk);
    const other = await s.clinic.staff('patient', { patientId: otherId });

    const list = await get(patient, `/api/v1/patients/${s.patientId}/prescriptions`);
    const pdf = await downloadPdf(patient, id);
    const foreign = await get(other, `/api/v1/prescriptions/${id}`);

    expect(list.json<{ items: { id: string }[] }>().items.map((p) => p.id)).toEqual([id]);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(foreign.statusCode).toBe(404);
  });

  it('answers 404 to a doctor of another clinic', async () => {
    const s = await setting();
    const id = await issued(s);
    const elsewhere = await (await createFastClinic(t)).staff('doctor');

    const read = await get(elsewhere, `/api/v1/prescriptions/${id}`);
    const link = await get(elsewhere, `/api/v1/prescriptions/${id}/pdf-url`);

    expect([read.statusCode, link.statusCode]).toEqual([404, 404]);
  });

  it('audits issue, read, cancel and every PDF link', async () => {
    const s = await setting();
    const id = await issued(s);
    await get(s.doctor, `/api/v1/prescriptions/${id}`);
    await get(s.doctor, `/api/v1/prescriptions/${id}/pdf-url`);

    const actions = await t.services.tenants
      .handle(s.clinic.tenant)
      .db.selectFrom('audit_events')
      .select('action')
      .where('resource_id', '=', id)
      .orderBy('occurred_at')
      .execute();

    expect(actions.map((a) => a.action)).toEqual([
      'prescription.issue',
      'prescription.read',
      'prescription.pdf_url',
    ]);
  });
});
