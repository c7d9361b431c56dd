import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createClinic,
  createPatient,
  ORIGIN,
  startTestApp,
  type TestApp,
} from '../support/harness.js';
import { marked } from '../support/canary.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const REASON = marked('救急搬送、意識障害あり。既往歴と投薬歴の確認が必要。');

async function scene() {
  const clinic = await createClinic(t);
  const clerk = await clinic.staff('clerk');
  const doctor = await clinic.staff('doctor');
  const admin = await clinic.staff('admin');
  const patient = await createPatient(t, clerk);
  return { clinic, clerk, doctor, admin, patient };
}

const get = (url: string, who: { token: string }) =>
  t.app.inject({ method: 'GET', url, headers: bearer(who) });

describe('break-the-glass', () => {
  it('opens a patient outside the doctor’s care for reading; a write answers 403 read-only', async () => {
    const { doctor, patient } = await scene();
    const before = await get(`/api/v1/patients/${patient.id}`, doctor);

    const open = await t.app.inject({
      method: 'POST',
      url: `/api/v1/patients/${patient.id}/break-glass`,
      headers: { ...bearer(doctor), origin: ORIGIN },
      payload: { reason: REASON },
    });
    const read = await get(`/api/v1/patients/${patient.id}`, doctor);
    const encounters = await get(`/api/v1/patients/${patient.id}/encounters`, doctor);
    const write = await t.app.inject({
      method: 'POST',
      url: `/api/v1/patients/${patient.id}/encounters`,
      headers: { ...bearer(doctor), origin: ORIGIN },
      payload: {
        type: 'in_person',
        startedAt: new Date().toISOString(),
        note: { subjective: 's', objective: '', assessment: '', plan: '' },
        diagnoses: [],
      },
    });

    expect(before.statusCode).toBe(404);
    expect(open.statusCode).toBe(201);
    expect(read.statusCode).toBe(200);
    expect(encounters.statusCode).toBe(200);
    expect(write.statusCode).toBe(403);
    expect(write.json<{ error: { code: string } }>().error.code).toBe('break_glass_read_only');
  });

  it('requires a written reason of some length', async () => {
    const { doctor, patient } = await scene();

    const open = await t.app.inject({
      method: 'POST',
      url: `/api/v1/patients/${patient.id}/break-glass`,
      headers: { ...bearer(doctor), origin: ORIGIN },
      payload: { reason: 'emergency' },
    });

    expect(open.statusCode).toBe(400);
    expect(open.json<{ error: { fields: { path: string }[] } }>().error.fields[0]?.path).toBe(
      '/reason',
    );
  });

  it('ends after 60 minutes', async () => {
    const { clinic, doctor, patient } = await scene();
    await t.app.inject({
      method: 'POST',
      url: `/api/v1/patients/${patient.id}/break-glass`,
      headers: { ...bearer(doctor), origin: ORIGIN },
      payload: { reason: REASON },
    });
    // Sixty-one minutes later, as the database sees it.
    await t.services.tenants
      .handle(clinic.tenant)
      .db.updateTable('break_glass')
      .set({ expires_at: new Date(Date.now() - 60_000) })
      .execute();

    const read = await get(`/api/v1/patients/${patient.id}`, doctor);

    expect(read.statusCode).toBe(404);
  });

  it('is refused to a clerk and to an admin', async () => {
    const { clerk, admin, patient } = await scene();

    const byClerk = await t.app.inject({
      method: 'POST',
      url: `/api/v1/patients/${patient.id}/break-glass`,
      headers: { ...bearer(clerk), origin: ORIGIN },
      payload: { reason: REASON },
    });
    const byAdmin = await t.app.inject({
      method: 'POST',
      url: `/api/v1/patients/${patient.id}/break-glass`,
      headers: { ...bearer(admin), origin: ORIGIN },
      payload: { reason: REASON },
    });

    expect(byClerk.statusCode).toBe(403);
    expect(byAdmin.statusCode).toBe(403);
  });

  it('is audited at high severity with the reason, and listed for the admin to review', async () => {
    const { clinic, doctor, admin, patient } = await scene();
    await t.app.inject({
      method: 'POST',
      url: `/api/v1/patients/${patient.id}/break-glass`,
      headers: { ...bearer(doctor), origin: ORIGIN },
      payload: { reason: REASON },
    });

    const pending = await get('/api/v1/break-glass?unreviewed=true', admin);
    const grant = pending.json<{ items: { id: string; reason: string; staffId: string }[] }>()
      .items[0];
    const review = await t.app.inject({
      method: 'POST',
      url: `/api/v1/break-glass/${grant?.id ?? ''}/review`,
      headers: { ...bearer(admin), origin: ORIGIN },
    });
    const after = await get('/api/v1/break-glass?unreviewed=true', admin);
    const events = await t.services.tenants
      .handle(clinic.tenant)
      .db.selectFrom('audit_events')
      .select(['action', 'severity', 'patient_id'])
      .where('action', 'like', 'break_glass.%')
      .orderBy('seq')
      .execute();
    // The reason is stored encrypted; the admin reads it through the audit API.
    const logged = await get('/api/v1/audit?action=break_glass.open', admin);

    expect(grant).toMatchObject({ reason: REASON, staffId: doctor.id });
    expect(review.statusCode).toBe(204);
    expect(after.json<{ items: unknown[] }>().items).toEqual([]);
    expect(events.map((e) => e.action)).toEqual(['break_glass.open', 'break_glass.review']);
    expect(events[0]?.severity).toBe('high');
    expect(logged.json<{ items: unknown[] }>().items).toMatchObject([
      { severity: 'high', reason: REASON },
    ]);
    expect(events[0]?.patient_id).toBe(patient.id);
  });

  it('answers 404 for a patient of another clinic', async () => {
    const { doctor } = await scene();
    const other = await scene();

    const open = await t.app.inject({
      method: 'POST',
      url: `/api/v1/patients/${other.patient.id}/break-glass`,
      headers: { ...bearer(doctor), origin: ORIGIN },
      payload: { reason: REASON },
    });

    expect(open.statusCode).toBe(404);
  });
});

describe('the caller’s own grants', () => {
  it('lists the caller’s running grants with patient and end, and none of anyone else', async () => {
    const { clinic, clerk, doctor, patient } = await scene();
    const colleague = await clinic.staff('nurse');
    const ended = await createPatient(t, clerk);
    const open = (who: { token: string }, patientId: string) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/patients/${patientId}/break-glass`,
        headers: { ...bearer(who), origin: ORIGIN },
        payload: { reason: REASON },
      });
    const grant = (await open(doctor, patient.id)).json<{ id: string; expiresAt: string }>();
    const old = (await open(doctor, ended.id)).json<{ id: string }>();
    await open(colleague, patient.id);
    await t.services.tenants
      .handle(clinic.tenant)
      .db.updateTable('break_glass')
      .set({ expires_at: new Date(Date.now() - 60_000) })
      .where('id', '=', old.id)
      .execute();

    const mine = await get('/api/v1/break-glass/mine', doctor);

    expect(mine.statusCode).toBe(200);
    expect(mine.json()).toEqual({
      items: [{ id: grant.id, patientId: patient.id, expiresAt: grant.expiresAt }],
    });
  });
});

describe('the admin’s list of grants', () => {
  it('pages newest first with a cursor, every grant once', async () => {
    const { clinic, clerk, doctor, admin } = await scene();
    const opened: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const patient = await createPatient(t, clerk);
      const open = await t.app.inject({
        method: 'POST',
        url: `/api/v1/patients/${patient.id}/break-glass`,
        headers: { ...bearer(doctor), origin: ORIGIN },
        payload: { reason: REASON },
      });
      opened.push(open.json<{ id: string }>().id);
    }
    // Two grants in the same millisecond, apart only by microseconds, must both be listed.
    await t.services.tenants
      .handle(clinic.tenant)
      .db.updateTable('break_glass')
      .set({ started_at: '2026-12-01T00:00:00.000100Z' })
      .where('id', 'in', opened.slice(0, 2))
      .execute();

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '' : `&cursor=${cursor}`;
      const response = await get(`/api/v1/break-glass?limit=2${query}`, admin);
      const page = response.json<{ items: { id: string }[]; nextCursor: string | null }>();
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);

    expect(pages).toBe(3);
    expect(seen.slice(0, 3)).toEqual(opened.slice(2).reverse());
    expect([...seen].sort()).toEqual([...opened].sort());
  });
});

describe('a grant and the care team', () => {
  it('does not let a doctor under a grant put themself on the care team', async () => {
    const { doctor, patient } = await scene();
    await t.app.inject({
      method: 'POST',
      url: `/api/v1/patients/${patient.id}/break-glass`,
      headers: { ...bearer(doctor), origin: ORIGIN },
      payload: { reason: REASON },
    });

    const join = await t.app.inject({
      method: 'POST',
      url: `/api/v1/patients/${patient.id}/care-team`,
      headers: { ...bearer(doctor), origin: ORIGIN },
      payload: { staffId: doctor.id },
    });
    const team = await get(`/api/v1/patients/${patient.id}/care-team`, doctor);

    expect(join.statusCode).toBe(403);
    expect(team.json<{ items: unknown[] }>().items).toEqual([]);
  });
});
