import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assignCare,
  bearer,
  createFastClinic,
  createPatient,
  errorCode,
  startTestApp,
  type Staff,
  type TestApp,
  type TestClinic,
} from '../support/harness.js';
import { EICAR, clamdAvailable, startClamd, type RunningClamd } from '../support/clamd.js';
import { PNG, multipart, pdfWith, type FilePart } from './multipart.js';

let clamd: RunningClamd | null = null;
let t: TestApp;

beforeAll(async () => {
  clamd = clamdAvailable ? await startClamd() : null;
  t = await startTestApp(clamd === null ? {} : { MEDICONNECT_CLAMD_SOCKET: clamd.socketPath });
}, 90_000);
afterAll(async () => {
  await t.close();
  await clamd?.stop();
});

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
  const { id: patientId } = await createPatient(t, clerk);
  await assignCare(t, clerk, patientId, doctor.id);
  return { clinic, clerk, doctor, patientId };
}

function upload(
  by: Staff,
  patientId: string,
  file: FilePart | null,
  fields: Record<string, string> = {},
) {
  const { body, contentType } = multipart({ patientId, category: 'lab_result', ...fields }, file);
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/files/upload',
    headers: { ...bearer(by), 'content-type': contentType },
    payload: body,
  });
}

function objectsIn(area: string): string[] {
  const root = path.join(t.dataDir, 'objects', area);
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { recursive: true })
    .map(String)
    .filter((name) => fs.statSync(path.join(root, name)).isFile());
}

async function fileRows(s: Setting) {
  return t.services.tenants.handle(s.clinic.tenant).db.selectFrom('files').selectAll().execute();
}

describe('uploading files', () => {
  it('takes a PNG into quarantine under a random key, keeping the name as metadata', async () => {
    const s = await setting();

    const response = await upload(s.doctor, s.patientId, {
      name: 'レントゲン 2026.png',
      type: 'image/png',
      content: PNG,
    });

    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({
      patientId: s.patientId,
      fileName: 'レントゲン 2026.png',
      contentType: 'image/png',
      sizeBytes: PNG.length,
      status: 'quarantined',
    });
    const [row] = await fileRows(s);
    expect(row?.object_key).not.toContain('2026');
  });

  it.each([
    ['the EICAR string named .pdf', 'eicar.pdf', 'application/pdf', Buffer.from(EICAR)],
    ['a PNG renamed to .pdf', 'scan.pdf', 'application/pdf', PNG],
    ['a PNG declared as PNG but named .pdf', 'scan.pdf', 'image/png', PNG],
    ['a PDF named .png', 'report.png', 'image/png', pdfWith('hello')],
    ['an HTML page', 'page.html', 'text/html', Buffer.from('<script>alert(1)</script>')],
  ])('refuses %s with 415 and stores nothing', async (_what, name, type, content) => {
    const s = await setting();

    const response = await upload(s.doctor, s.patientId, { name, type, content });

    expect(response.statusCode).toBe(415);
    expect(errorCode(response)).toBe('unsupported_media_type');
    expect(await fileRows(s)).toHaveLength(0);
  });

  it('refuses a zero-byte file on its field', async () => {
    const s = await setting();

    const response = await upload(s.doctor, s.patientId, {
      name: 'empty.png',
      type: 'image/png',
      content: Buffer.alloc(0),
    });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { fields: [{ path: '/file' }] } });
  });

  it('refuses a file one byte over 10 MB with 413 and leaves no object behind', async () => {
    const s = await setting();
    const before = objectsIn('quarantine').length;
    const content = Buffer.concat([PNG, Buffer.alloc(10 * 1024 * 1024 + 1 - PNG.length)]);

    const response = await upload(s.doctor, s.patientId, {
      name: 'big.png',
      type: 'image/png',
      content,
    });

    expect(response.statusCode).toBe(413);
    expect(await fileRows(s)).toHaveLength(0);
    expect(objectsIn('quarantine')).toHaveLength(before);
    expect(objectsIn('tmp')).toHaveLength(0);
  });

  it('accepts a file of exactly 10 MB', async () => {
    const s = await setting();
    const content = Buffer.concat([PNG, Buffer.alloc(10 * 1024 * 1024 - PNG.length)]);

    const response = await upload(s.doctor, s.patientId, {
      name: 'exact.png',
      type: 'image/png',
      content,
    });

    expect(response.statusCode).toBe(201);
  });

  it.each([
    ['../../etc/passwd.png', 'passwd.png'],
    ['..\\..\\windows\\x.png', 'x.png'],
    ['a\u0000b.png', 'a_b.png'],
    ['検査結果（血液）.png', '検査結果（血液）.png'],
    ['.hidden.png', 'hidden.png'],
  ])('cleans the file name %j to %j', async (name, cleaned) => {
    const s = await setting();

    const response = await upload(s.doctor, s.patientId, { name, type: 'image/png', content: PNG });

    expect(response.statusCode).toBe(201);
    expect(response.json<{ fileName: string }>().fileName).toBe(cleaned);
  });

  it('shortens a very long name to 120 characters, keeping the extension', async () => {
    const s = await setting();

    const response = await upload(s.doctor, s.patientId, {
      name: `${'長'.repeat(300)}.png`,
      type: 'image/png',
      content: PNG,
    });

    const { fileName } = response.json<{ fileName: string }>();
    expect(Array.from(fileName)).toHaveLength(120);
    expect(fileName.endsWith('.png')).toBe(true);
  });

  it('takes two uploads at once as two files', async () => {
    const s = await setting();
    const file = { name: 'a.png', type: 'image/png', content: PNG };

    const [first, second] = await Promise.all([
      upload(s.doctor, s.patientId, file),
      upload(s.doctor, s.patientId, file),
    ]);

    expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
    expect(first.json<{ id: string }>().id).not.toBe(second.json<{ id: string }>().id);
    expect(await fileRows(s)).toHaveLength(2);
  });

  it('refuses a form whose file comes before the patient id', async () => {
    const s = await setting();
    const { body, contentType } = multipart({}, { name: 'a.png', type: 'image/png', content: PNG });

    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/files/upload',
      headers: { ...bearer(s.doctor), 'content-type': contentType },
      payload: body,
    });

    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { fields: [{ path: '/patientId' }] } });
  });

  it('refuses an unknown category on its field', async () => {
    const s = await setting();

    const response = await upload(
      s.doctor,
      s.patientId,
      { name: 'a.png', type: 'image/png', content: PNG },
      { category: 'selfie' },
    );

    expect(response.json()).toMatchObject({ error: { fields: [{ path: '/category' }] } });
  });

  it('answers 404 to a doctor uploading for a patient outside their care', async () => {
    const s = await setting();
    const stranger = await s.clinic.staff('doctor');

    const response = await upload(stranger, s.patientId, {
      name: 'a.png',
      type: 'image/png',
      content: PNG,
    });

    expect(response.statusCode).toBe(404);
    expect(await fileRows(s)).toHaveLength(0);
  });

  it('answers 403 to a clerk uploading', async () => {
    const s = await setting();

    const response = await upload(s.clerk, s.patientId, {
      name: 'a.png',
      type: 'image/png',
      content: PNG,
    });

    expect(response.statusCode).toBe(403);
  });

  it('refuses a JSON body on the upload route with 415', async () => {
    const s = await setting();

    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/files/upload',
      headers: bearer(s.doctor),
      payload: { patientId: s.patientId },
    });

    expect(response.statusCode).toBe(415);
  });

  it('still refuses multipart bodies on other routes', async () => {
    const s = await setting();
    const { body, contentType } = multipart({ familyName: 'x' }, null);

    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/patients',
      headers: { ...bearer(s.clerk), 'content-type': contentType },
      payload: body,
    });

    expect(response.statusCode).toBe(415);
  });

  it('audits the upload with ids and sizes, never the file name', async () => {
    const s = await setting();

    await upload(s.doctor, s.patientId, {
      name: '山田様_紹介状.png',
      type: 'image/png',
      content: PNG,
    });

    const events = await t.services.tenants
      .handle(s.clinic.tenant)
      .db.selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'file.upload')
      .execute();
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain('山田');
    expect(t.logs.join('')).not.toContain('山田');
  });
});

describe('listing a patient’s files', () => {
  it('pages newest first without repeats or holes, also across files stored at one instant', async () => {
    const s = await setting();
    for (let i = 0; i < 5; i += 1) {
      const response = await upload(s.doctor, s.patientId, {
        name: `scan-${i}.png`,
        type: 'image/png',
        content: PNG,
      });
      expect(response.statusCode).toBe(201);
    }
    // Three files share one created_at: only the id can order them, and the cursor must carry it.
    const handle = t.services.tenants.handle(s.clinic.tenant);
    const stored = await handle.db.selectFrom('files').select(['id', 'created_at']).execute();
    const instant = stored[0]?.created_at ?? new Date();
    await handle.db
      .updateTable('files')
      .set({ created_at: instant })
      .where(
        'id',
        'in',
        stored.slice(0, 3).map((row) => row.id),
      )
      .execute();
    const expected = (
      await handle.db
        .selectFrom('files')
        .select('id')
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute()
    ).map((row) => row.id);

    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page += 1) {
      const query: string = cursor === null ? '' : `&cursor=${cursor}`;
      const response = await t.app.inject({
        method: 'GET',
        url: `/api/v1/patients/${s.patientId}/files?limit=2${query}`,
        headers: bearer(s.doctor),
      });
      const body = response.json<{ items: { id: string }[]; nextCursor: string | null }>();
      seen.push(...body.items.map((item) => item.id));
      cursor = body.nextCursor;
      if (cursor === null) break;
    }

    expect(seen).toEqual(expected);
    expect(cursor).toBeNull();
  });
});
