import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptLegacyPlaintext } from '../../src/platform/keys/encryption-jobs.js';
import { FieldCipher } from '../../src/platform/keys/field-cipher.js';
import { rewrapAll } from '../../src/platform/keys/kek-rotation.js';
import { LocalKeyProvider } from '../../src/platform/keys/key-provider.js';
import { DataKeyRotation } from '../../src/platform/keys/rotation.js';
import {
  bearer,
  createFastClinic,
  patientBody,
  startTestApp,
  type TestApp,
} from '../support/harness.js';
import {
  clinicWithData,
  createEncounter,
  encryptedValues,
  rawRows,
  read,
  snapshot,
  type ClinicWithData,
} from './support.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

function rotationFor(holder: string): DataKeyRotation {
  return new DataKeyRotation(t.platform.db, t.platform.cipher, holder, { batchSize: 3 });
}

function tenantOf(data: ClinicWithData) {
  return { id: data.clinic.tenant.id, schemaName: data.clinic.tenant.schemaName };
}

/**
 * API reads and writes in two loops until `done` settles: reads compare with the snapshot taken
 * before, writes are kept with what they wrote. Every answer that is not 2xx is collected.
 */
async function withTraffic(
  data: ClinicWithData,
  before: Record<string, unknown>,
  work: () => Promise<void>,
) {
  const failures: string[] = [];
  const written: { encounterId: string; subjective: string }[] = [];
  let stop = false;
  const loop = async (lane: number) => {
    for (let i = 0; !stop; i++) {
      const index = i % data.patientIds.length;
      const patientId = data.patientIds[index] ?? '';
      const encounterId = data.encounterIds[index] ?? '';
      try {
        const patient = await read(t, data.doctor, `/api/v1/patients/${patientId}`);
        if (JSON.stringify(patient) !== JSON.stringify(before[`patient:${patientId}`]))
          failures.push(`patient ${patientId} differs`);
        const encounter = await read(t, data.doctor, `/api/v1/encounters/${encounterId}`);
        if (JSON.stringify(encounter) !== JSON.stringify(before[`encounter:${encounterId}`]))
          failures.push(`encounter ${encounterId} differs`);
        const subjective = `発熱 ${String(lane)}-${String(i)}`;
        written.push({
          encounterId: await createEncounter(t, data.doctor, patientId, subjective),
          subjective,
        });
      } catch (error) {
        failures.push(String(error));
      }
    }
  };
  const lanes = [loop(0), loop(1)];
  try {
    await work();
  } finally {
    stop = true;
    await Promise.all(lanes);
  }
  return { failures, written };
}

async function expectWrittenIntact(
  data: ClinicWithData,
  written: { encounterId: string; subjective: string }[],
) {
  expect(written.length).toBeGreaterThan(0);
  for (const { encounterId, subjective } of written) {
    const encounter = (await read(t, data.doctor, `/api/v1/encounters/${encounterId}`)) as {
      note: { subjective: string };
    };
    expect(encounter.note.subjective).toBe(subjective);
  }
}

describe('data-key rotation', () => {
  it('re-encrypts every value under the new key while the API serves, losing nothing', async () => {
    const data = await clinicWithData(t, 6);
    const before = await snapshot(t, data);

    const { failures, written } = await withTraffic(data, before, async () => {
      const rotation = rotationFor('test-a');
      await rotation.rotate(tenantOf(data));
      const report = await rotation.runToEnd(tenantOf(data));
      expect(report.state).toBe('finished');
    });

    expect(failures).toEqual([]);
    expect(await snapshot(t, data)).toEqual(before);
    await expectWrittenIntact(data, written);
    const stored = await encryptedValues(t, data.clinic.tenant);
    expect(stored.filter((s) => !s.value.startsWith('mc1.2.'))).toEqual([]);
  });

  it('resumes an interrupted rotation where it stopped and completes it', async () => {
    const data = await clinicWithData(t, 4);
    const before = await snapshot(t, data);
    const first = rotationFor('test-crashed');
    await first.rotate(tenantOf(data));

    const paused = await first.run(tenantOf(data), 1);
    const midway = await encryptedValues(t, data.clinic.tenant);
    const resumed = await rotationFor('test-after-restart').runToEnd(tenantOf(data));

    expect(paused.state).toBe('paused');
    expect(midway.filter((s) => s.value.startsWith('mc1.2.')).length).toBeGreaterThan(0);
    expect(midway.filter((s) => s.value.startsWith('mc1.1.')).length).toBeGreaterThan(0);
    expect(resumed.state).toBe('finished');
    const stored = await encryptedValues(t, data.clinic.tenant);
    expect(stored.filter((s) => !s.value.startsWith('mc1.2.'))).toEqual([]);
    expect(await snapshot(t, data)).toEqual(before);
  });
});

describe('key-encryption-key rotation', () => {
  it('rewraps every data key under the new KEK while the API serves; the old KEK can go', async () => {
    const data = await clinicWithData(t, 4);
    const before = await snapshot(t, data);
    const provider = t.platform.keyProvider;
    if (!(provider instanceof LocalKeyProvider)) throw new Error('the tests run the local KEK');

    const { failures, written } = await withTraffic(data, before, async () => {
      provider.rotate();
      await rewrapAll(t.db.control, provider);
    });
    // Only this app's keys: a shared test database also holds other apps' keys, wrapped under
    // KEKs in their own data folders, which this provider cannot (and should not) rewrap.
    const keks = await t.db.control
      .selectFrom('tenant_keys')
      .select('kek_id')
      .where('tenant_id', '=', data.clinic.tenant.id)
      .union(
        t.db.control
          .selectFrom('tenant_index_keys')
          .select('kek_id')
          .where('tenant_id', '=', data.clinic.tenant.id),
      )
      .execute();
    expect(keks.map((row) => row.kek_id)).toEqual([provider.currentKekId()]);

    expect(failures).toEqual([]);
    expect(await snapshot(t, data)).toEqual(before);
    await expectWrittenIntact(data, written);
    // Another instance starting now, without the old KEK files, still opens every value.
    const keyDir = path.join(t.dataDir, 'keys');
    const current = `kek-${provider.currentKekId().split(':')[1] ?? ''}.bin`;
    for (const file of fs.readdirSync(keyDir))
      if (file.startsWith('kek-') && file !== current) fs.rmSync(path.join(keyDir, file));
    const restarted = new FieldCipher(t.db.control, LocalKeyProvider.open(t.dataDir));
    const [row] = await rawRows(t, data.clinic.tenant, 'patients');
    const context = { table: 'patients', column: 'insurance_number', rowId: String(row?.id) };
    expect(
      await restarted.decrypt(data.clinic.tenant.id, context, String(row?.insurance_number)),
    ).toMatch(/^7\d0042$/);
  });
});

describe('plaintext from before field encryption', () => {
  it('is encrypted at start and reads back unchanged, searchable by insurance number', async () => {
    const clinic = await createFastClinic(t);
    const clerk = await clinic.staff('clerk');
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/patients',
      headers: bearer(clerk),
      payload: patientBody(),
    });
    const patientId = created.json<{ id: string }>().id;
    const handle = t.services.tenants.handle(clinic.tenant);
    // What a database from before this change holds: the insurance in plaintext.
    await handle.db
      .updateTable('patients')
      .set({
        insurance_number: '55501234',
        insurance_symbol: '旧記号',
        insurance_number_bidx: null,
      })
      .where('id', '=', patientId)
      .execute();
    await handle.db.insertInto('encryption_backfill').values({ marked_at: new Date() }).execute();

    await encryptLegacyPlaintext(
      t.db,
      rotationFor(`legacy-${crypto.randomUUID()}`),
      t.platform.logger,
      [clinic.tenant.id],
    );

    const [row] = await rawRows(t, clinic.tenant, 'patients');
    expect(String(row?.insurance_number)).toMatch(/^mc1\./);
    expect(String(row?.insurance_symbol)).toMatch(/^mc1\./);
    const patient = (await read(t, clerk, `/api/v1/patients/${patientId}`)) as {
      insurance: { number: string; symbol: string };
    };
    expect(patient.insurance).toMatchObject({ number: '55501234', symbol: '旧記号' });
    const found = (await read(t, clerk, '/api/v1/patients?insuranceNumber=55501234')) as {
      items: { id: string }[];
    };
    expect(found.items.map((p) => p.id)).toEqual([patientId]);
    expect(await rawRows(t, clinic.tenant, 'encryption_backfill')).toEqual([]);
  });
});
