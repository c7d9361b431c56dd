import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, expect, it } from 'vitest';
import { rotateSigningKeys, signingKeysPath } from '../../src/platform/keys/signing-keys.js';
import { createFastClinic, startTestApp, type TestApp } from '../support/harness.js';
import { backdatedEvents, readLinks, readTraffic, tamper, verifyOverHttp } from './support.js';

const run = promisify(execFile);
let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

/**
 * The operator's command, in its own process, on the same database: the embedded one once the
 * app has let go of its data folder (PGlite is single-process), or PostgreSQL when configured.
 */
async function mediconnect(app: TestApp, args: string[]) {
  await app.release();
  return run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    env: {
      PATH: process.env.PATH ?? '',
      MEDICONNECT_DATA_DIR: app.dataDir,
      ...(process.env.DATABASE_URL === undefined ? {} : { DATABASE_URL: process.env.DATABASE_URL }),
    },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: unknown) => error as { code: number; stdout: string; stderr: string },
  );
}

async function audited(reads: number) {
  t = await startTestApp({}, { onDisk: true });
  const clinic = await createFastClinic(t);
  const traffic = await readTraffic(t, clinic, reads);
  await verifyOverHttp(t, traffic.admin);
  return { app: t, clinic, ...traffic };
}

it('audit verify reports an intact trail, its checkpoint signed by a key since rotated out', async () => {
  const { app, clinic } = await audited(2);
  const keyFile = signingKeysPath(null, app.dataDir);
  await rotateSigningKeys(keyFile);
  const { dropped } = await rotateSigningKeys(keyFile, Date.now() + 3_600_000);

  const result = await mediconnect(app, ['audit', 'verify', '--tenant', clinic.tenant.code]);

  expect(dropped).toBe(1);
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/last checkpoint at position \d+ .*signature valid/);
  expect(result.stdout).toContain('audit trail intact');
}, 90_000);

it('audit verify names the first broken link exactly and exits non-zero', async () => {
  const { app, clinic } = await audited(3);
  const target = (await readLinks(app, clinic.tenant))[1];
  if (target === undefined) throw new Error('no link to tamper with');
  await tamper(app, clinic.tenant, [`delete from $S.audit_events where id = '${target.event_id}'`]);

  const result = await mediconnect(app, ['audit', 'verify', '--tenant', clinic.tenant.code]);

  expect(result.code).toBe(2);
  expect(result.stderr).toContain(
    `audit trail BROKEN at position ${target.position}: missing_event ` +
      `(seq ${target.seq}, event ${target.event_id})`,
  );
}, 90_000);

it('audit export writes FHIR AuditEvent NDJSON from the given time, without names', async () => {
  const { app, clinic, patientId } = await audited(2);
  const since = new Date(Date.now() - 3_600_000).toISOString();

  const all = await mediconnect(app, [
    'audit',
    'export',
    '--tenant',
    clinic.tenant.code,
    '--since',
    since,
  ]);
  const none = await mediconnect(app, [
    'audit',
    'export',
    '--tenant',
    clinic.tenant.code,
    '--since',
    new Date(Date.now() + 3_600_000).toISOString(),
  ]);

  const resources = all.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(all.code).toBe(0);
  expect(resources.every((r) => r.resourceType === 'AuditEvent')).toBe(true);
  expect(resources.filter((r) => JSON.stringify(r).includes(`Patient/${patientId}`))).toHaveLength(
    3,
  );
  expect(all.stdout).not.toContain('試験');
  expect(none.stdout).toBe('');
}, 90_000);

it('audit purge cuts expired events at a signed checkpoint, and verify starts there', async () => {
  t = await startTestApp({}, { onDisk: true });
  const clinic = await createFastClinic(t);
  // Four events of six years ago, signed by the clinic's first checkpoint; then today's traffic.
  await backdatedEvents(t, clinic.tenant, 4);
  await t.services.auditChainer.verify(clinic.tenant);
  await readTraffic(t, clinic, 1);
  const code = clinic.tenant.code;

  const dryRun = await mediconnect(t, ['audit', 'purge', '--tenant', code, '--dry-run']);
  const purged = await mediconnect(t, ['audit', 'purge', '--tenant', code]);
  const verified = await mediconnect(t, ['audit', 'verify', '--tenant', code]);

  expect(dryRun.code).toBe(0);
  expect(dryRun.stdout).toMatch(
    /would purge 4 event\(s\), seq 1–4, .* up to the signed checkpoint at position 4; nothing removed/,
  );
  expect(purged.code).toBe(0);
  expect(purged.stdout).toMatch(/purged 4 event\(s\), seq 1–4, .*which now anchors the trail/);
  expect(verified.code).toBe(0);
  expect(verified.stdout).toMatch(/purged before position 4; verified from the signed checkpoint/);
  expect(verified.stdout).toContain('audit trail intact');
}, 120_000);
