/**
 * `npm run bench:files`: the prescription PDF's render time (p50/p99) and upload throughput for
 * 1 MB and 10 MB files through the real API (multipart, magic-byte check, hashing, quarantine
 * write, audit), each against the same bytes written straight to the object store in the same
 * run. Loopback only, bounded counts, stops by itself.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buildApp, createServices } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/http/logging.js';
import { renderPrescriptionPdf, type PrescriptionSheet } from '../src/modules/prescriptions/pdf.js';
import { openPlatform } from '../src/platform/index.js';

const RENDERS = Number(process.env.BENCH_RENDERS ?? 40);
const UPLOADS = Number(process.env.BENCH_UPLOADS ?? 12);
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

const sheet: PrescriptionSheet = {
  patient: { name: '測定 花子', kana: 'ソクテイ ハナコ', birthDate: '1990-01-01', sex: 'female' },
  insurance: { insurerNumber: '01130012', symbol: '12', number: '345', branch: '01' },
  clinic: { name: 'ベンチマーククリニック' },
  doctorName: '医師 太郎',
  issuedOn: '2026-12-04',
  validUntil: '2026-12-07',
  lines: Array.from({ length: 5 }, (_, i) => ({
    name: `測定用医薬品${String(i + 1)}錠100mg`,
    code: '1149019F1560',
    dose: '1',
    unit: '錠',
    frequency: '1日3回毎食後',
    days: 14,
    route: '内服',
    noSubstitution: i === 0,
  })),
  notes: '胃の不快感があれば中止してください。',
  cancelled: false,
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function renderTimes(): Promise<void> {
  await renderPrescriptionPdf(sheet); // font load and warm-up
  const times: number[] = [];
  for (let i = 0; i < RENDERS; i++) {
    const start = performance.now();
    await renderPrescriptionPdf(sheet);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  console.log(
    `PDF render (5 lines, ${String(RENDERS)} runs): p50 ${percentile(times, 50).toFixed(0)} ms, ` +
      `p99 ${percentile(times, 99).toFixed(0)} ms`,
  );
}

function multipart(patientId: string, content: Buffer): { body: Buffer; type: string } {
  const boundary = `----bench${crypto.randomBytes(6).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="patientId"\r\n\r\n${patientId}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="category"\r\n\r\nimaging\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.png"\r\n` +
      'Content-Type: image/png\r\n\r\n',
  );
  return {
    body: Buffer.concat([head, content, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    type: `multipart/form-data; boundary=${boundary}`,
  };
}

function post(port: number, token: string, form: { body: Buffer; type: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/v1/files/upload',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': form.type,
          'content-length': form.body.length,
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => {
          resolve(response.statusCode ?? 0);
        });
      },
    );
    request.on('error', reject);
    request.end(form.body);
  });
}

async function uploads(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediconnect-bench-files-'));
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    MEDICONNECT_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    MEDICONNECT_DEMO: 'false',
  });
  const platform = await openPlatform(config, {
    holder: 'bench',
    logger: createLogger('silent'),
    inMemoryDatabase: true,
  });
  const services = createServices(platform);
  const app = await buildApp(platform, services);
  try {
    const code = `bench${crypto.randomBytes(4).toString('hex')}`;
    const tenant = await services.tenants.create(code, 'Bench clinic');
    const password = 'bench-password-long-1';
    for (const role of ['clerk', 'nurse'] as const) {
      await services.accounts.create(tenant, {
        email: `${role}@bench.example`,
        role,
        displayName: role,
        password,
      });
    }
    const token = async (role: string) =>
      (
        await app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { tenant: code, email: `${role}@bench.example`, password },
        })
      ).json<{ accessToken: string }>().accessToken;
    const clerk = await token('clerk');
    const nurse = await token('nurse');
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/patients',
      headers: { authorization: `Bearer ${clerk}` },
      payload: {
        familyName: '測定',
        givenName: '花子',
        familyNameKana: 'ソクテイ',
        givenNameKana: 'ハナコ',
        birthDate: '1990-01-01',
        sex: 'female',
      },
    });
    const patientId = created.json<{ id: string }>().id;
    const nurseId = (await services.accounts.findByEmail(tenant.id, 'nurse@bench.example'))?.id;
    await app.inject({
      method: 'POST',
      url: `/api/v1/patients/${patientId}/care-team`,
      headers: { authorization: `Bearer ${clerk}` },
      payload: { staffId: nurseId },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };

    for (const megabytes of [1, 10]) {
      const content = Buffer.concat([
        PNG,
        crypto.randomBytes(megabytes * 1024 * 1024 - PNG.length),
      ]);
      const form = multipart(patientId, content);
      await post(port, nurse, form); // warm-up
      let start = performance.now();
      for (let i = 0; i < UPLOADS; i++) {
        const status = await post(port, nurse, form);
        if (status !== 201) throw new Error(`upload answered ${String(status)}`);
      }
      const apiSeconds = (performance.now() - start) / 1000;
      start = performance.now();
      for (let i = 0; i < UPLOADS; i++) {
        const key = `bench/${crypto.randomUUID()}`;
        await platform.objects.put('quarantine', key, Readable.from([content]), {
          contentType: 'image/png',
        });
      }
      const storeSeconds = (performance.now() - start) / 1000;
      const api = (UPLOADS * megabytes) / apiSeconds;
      const store = (UPLOADS * megabytes) / storeSeconds;
      console.log(
        `upload ${String(megabytes)} MB × ${String(UPLOADS)}: API ${api.toFixed(1)} MB/s ` +
          `(${((apiSeconds / UPLOADS) * 1000).toFixed(0)} ms each), store alone ${store.toFixed(1)} MB/s, ` +
          `ratio ${(api / store).toFixed(2)}`,
      );
    }
  } finally {
    await app.close();
    await platform.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await renderTimes();
await uploads();
