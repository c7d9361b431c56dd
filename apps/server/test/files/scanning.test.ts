import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScanWorker } from '../../src/modules/files/scan-worker.js';
import { ClamdScanner } from '../../src/platform/scanner/clamd-scanner.js';
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

let clamd: RunningClamd;
let t: TestApp;

beforeAll(async () => {
  if (!clamdAvailable) return;
  clamd = await startClamd();
  t = await startTestApp({ MEDICONNECT_CLAMD_SOCKET: clamd.socketPath });
}, 90_000);
afterAll(async () => {
  if (!clamdAvailable) return;
  await t.close();
  await clamd.stop();
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

async function uploaded(s: Setting, file: FilePart): Promise<string> {
  const { body, contentType } = multipart({ patientId: s.patientId, category: 'other' }, file);
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v1/files/upload',
    headers: { ...bearer(s.doctor), 'content-type': contentType },
    payload: body,
  });
  if (response.statusCode !== 201) throw new Error(`upload failed: ${response.body}`);
  return response.json<{ id: string }>().id;
}

const png = { name: 'clean.png', type: 'image/png', content: PNG };
const infectedPdf = { name: 'infected.pdf', type: 'application/pdf', content: pdfWith(EICAR) };

function get(by: Staff, url: string) {
  return t.app.inject({ method: 'GET', url, headers: bearer(by) });
}

async function scanned(s: Setting): Promise<void> {
  // The upload's own pass may be running: wait for it, then sweep whatever is left.
  await t.services.scans.settle();
  await t.services.scans.runOnce([s.clinic.tenant.id]);
}

describe.skipIf(!clamdAvailable)('scanning and downloading files', () => {
  it('releases a clean PNG, whose signed URL then serves the same bytes', async () => {
    const s = await setting();
    const id = await uploaded(s, png);
    await scanned(s);

    const file = await get(s.doctor, `/api/v1/files/${id}`);
    const link = await get(s.doctor, `/api/v1/files/${id}/download-url`);
    const download = await t.app.inject({
      method: 'GET',
      url:
        new URL(link.json<{ url: string }>().url).pathname +
        new URL(link.json<{ url: string }>().url).search,
    });

    expect(file.json()).toMatchObject({ status: 'clean' });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload).toEqual(PNG);
  });

  it('isolates a PDF carrying EICAR as infected and never gives it a URL', async () => {
    const s = await setting();
    const id = await uploaded(s, infectedPdf);
    await scanned(s);

    const file = await get(s.doctor, `/api/v1/files/${id}`);
    const link = await get(s.doctor, `/api/v1/files/${id}/download-url`);

    expect(file.json()).toMatchObject({ status: 'infected' });
    expect(link.statusCode).toBe(409);
    expect(errorCode(link)).toBe('file_not_clean');
  });

  it('audits an infected file at high severity with the signature', async () => {
    const s = await setting();
    const id = await uploaded(s, infectedPdf);
    await scanned(s);

    const events = await t.services.tenants
      .handle(s.clinic.tenant)
      .db.selectFrom('audit_events')
      .select(['action', 'severity', 'details'])
      .where('resource_id', '=', id)
      .where('action', '=', 'file.scan')
      .execute();

    expect(events).toEqual([
      {
        action: 'file.scan',
        severity: 'high',
        details: { verdict: 'infected', signature: 'MediConnect.Test.EICAR.UNOFFICIAL' },
      },
    ]);
  });

  it('gives no URL while a file is still quarantined', async () => {
    const s = await setting();
    const id = await uploaded(s, png);
    await scanned(s);
    // As if the scan had not happened yet.
    await t.services.tenants
      .handle(s.clinic.tenant)
      .db.updateTable('files')
      .set({ status: 'quarantined' })
      .where('id', '=', id)
      .execute();

    const link = await get(s.doctor, `/api/v1/files/${id}/download-url`);

    expect(link.statusCode).toBe(409);
    expect(errorCode(link)).toBe('file_not_clean');
  });

  it('audits every download URL it issues', async () => {
    const s = await setting();
    const id = await uploaded(s, png);
    await scanned(s);

    await get(s.doctor, `/api/v1/files/${id}/download-url`);
    await get(s.doctor, `/api/v1/files/${id}/download-url`);

    const issued = await t.services.tenants
      .handle(s.clinic.tenant)
      .db.selectFrom('audit_events')
      .select('actor_id')
      .where('action', '=', 'file.download_url')
      .execute();
    expect(issued).toEqual([{ actor_id: s.doctor.id }, { actor_id: s.doctor.id }]);
  });

  it.each([
    ['a clerk', async (s: Setting) => s.clerk],
    ['a doctor outside the care team', async (s: Setting) => s.clinic.staff('doctor')],
    ['a doctor of another clinic', async () => (await createFastClinic(t)).staff('doctor')],
  ])('answers 404 to %s for the file and its URL', async (_who, who) => {
    const s = await setting();
    const id = await uploaded(s, png);
    await scanned(s);
    const outsider = await who(s);

    const file = await get(outsider, `/api/v1/files/${id}`);
    const link = await get(outsider, `/api/v1/files/${id}/download-url`);

    expect([file.statusCode, link.statusCode]).toEqual([404, 404]);
    expect(link.body).not.toContain('/objects/');
  });

  it('lets the patient see and download their own clean file, and nothing quarantined', async () => {
    const s = await setting();
    const cleanId = await uploaded(s, png);
    await scanned(s);
    const infectedId = await uploaded(s, infectedPdf);
    await scanned(s);
    const patient = await s.clinic.staff('patient', { patientId: s.patientId });

    const list = await get(patient, `/api/v1/patients/${s.patientId}/files`);
    const link = await get(patient, `/api/v1/files/${cleanId}/download-url`);
    const infected = await get(patient, `/api/v1/files/${infectedId}`);

    expect(list.json<{ items: { id: string }[] }>().items.map((f) => f.id)).toEqual([cleanId]);
    expect(link.statusCode).toBe(200);
    expect(infected.statusCode).toBe(404);
  });

  it('lists a patient’s files newest first, page by page', async () => {
    const s = await setting();
    const ids = [await uploaded(s, png), await uploaded(s, png), await uploaded(s, png)];

    const first = await get(s.doctor, `/api/v1/patients/${s.patientId}/files?limit=2`);
    const cursor = first.json<{ nextCursor: string }>().nextCursor;
    const second = await get(
      s.doctor,
      `/api/v1/patients/${s.patientId}/files?limit=2&cursor=${cursor}`,
    );

    const seen = [
      ...first.json<{ items: { id: string }[] }>().items,
      ...second.json<{ items: { id: string }[] }>().items,
    ];
    expect(seen.map((f) => f.id)).toEqual([...ids].reverse());
    expect(second.json()).toMatchObject({ nextCursor: null });
  });
});

describe.skipIf(!clamdAvailable)('when clamd cannot be reached', () => {
  it('keeps the file quarantined, retries later, and releases it once clamd is back', async () => {
    const s = await setting();
    const id = await uploaded(s, png);
    await scanned(s);
    const handle = t.services.tenants.handle(s.clinic.tenant);
    // Whatever the first pass did, make the file look freshly uploaded and due.
    await handle.db
      .updateTable('files')
      .set({ status: 'quarantined', next_scan_at: new Date(), scan_attempts: 0, scanned_at: null })
      .where('id', '=', id)
      .execute();
    const key = (
      await handle.db
        .selectFrom('files')
        .select('object_key')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).object_key;
    if (!(await t.objects.exists('quarantine', key)))
      await t.objects.move(key, 'clean', 'quarantine');
    const down = new ScanWorker(
      t.services.tenants,
      t.objects,
      new ClamdScanner(
        { path: path.join(t.dataDir, 'no-clamd.sock') },
        { timeoutMs: 500, maxBytes: 1e6 },
      ),
      t.app.log,
    );

    await down.runOnce([s.clinic.tenant.id]);
    const waiting = await handle.db
      .selectFrom('files')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    await handle.db
      .updateTable('files')
      .set({ next_scan_at: new Date() })
      .where('id', '=', id)
      .execute();
    // A new worker, as after a restart, with clamd reachable again.
    await t.services.scans.runOnce([s.clinic.tenant.id]);
    const released = await handle.db
      .selectFrom('files')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

    expect(waiting.status).toBe('quarantined');
    expect(waiting.scan_attempts).toBe(1);
    expect(waiting.next_scan_at?.getTime()).toBeGreaterThan(Date.now());
    expect(released.status).toBe('clean');
  });
});

describe('a client that disconnects mid-upload', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp();
    await server.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => server.close());

  it('leaves no record and no object behind', async () => {
    const clinic = await createFastClinic(server);
    const clerk = await clinic.staff('clerk');
    const doctor = await clinic.staff('doctor');
    const patient = await createPatient(server, clerk);
    await assignCare(server, clerk, patient.id, doctor.id);
    const { body, contentType } = multipart(
      { patientId: patient.id, category: 'other' },
      {
        name: 'big.png',
        type: 'image/png',
        content: Buffer.concat([PNG, Buffer.alloc(4_000_000)]),
      },
    );
    const address = server.app.server.address() as net.AddressInfo;

    await new Promise<void>((resolve) => {
      const socket = net.connect(address.port, '127.0.0.1', () => {
        socket.write(
          `POST /api/v1/files/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${doctor.token}\r\n` +
            `Content-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`,
        );
        socket.write(body.subarray(0, 1_000_000), () => {
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 300);
        });
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const rows = await server.services.tenants
      .handle(clinic.tenant)
      .db.selectFrom('files')
      .selectAll()
      .execute();
    const root = path.join(server.dataDir, 'objects');
    const stored = fs
      .readdirSync(root, { recursive: true })
      .map(String)
      .filter((name) => fs.statSync(path.join(root, name)).isFile());
    expect(rows).toHaveLength(0);
    expect(stored).toEqual([]);
  });
});
