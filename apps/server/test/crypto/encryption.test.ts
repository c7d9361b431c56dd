import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FieldCipher } from '../../src/platform/keys/field-cipher.js';
import { errorRegistry } from '../../src/http/errors.js';
import { fixture, jpCoreFiles, runImport } from '../fhir/support.js';
import { bearer, startTestApp, type TestApp } from '../support/harness.js';
import { clinicWithData, encryptedValues, rawRows, read, snapshot } from './support.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const ENCRYPTED_KEYS = new Set([
  'subjective',
  'objective',
  'assessment',
  'plan',
  'reason',
  'name',
  'display',
  'value',
  'dosage',
  'number',
  'symbol',
]);

/** The values the API shows for encrypted fields, long enough not to match by chance. */
function encryptedTextsOf(value: unknown, key = ''): string[] {
  if (typeof value === 'string') return ENCRYPTED_KEYS.has(key) && value.length >= 4 ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((item) => encryptedTextsOf(item, key));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => encryptedTextsOf(v, k));
  return [];
}

describe('field encryption at rest', () => {
  it('stores no plaintext of any encrypted field, for API writes and a FHIR import alike', async () => {
    const data = await clinicWithData(t, 2);
    const report = await runImport(t, data.clinic.tenant, data.doctor.email, [
      fixture('synthea', 'patient-01.json'),
      ...jpCoreFiles(),
    ]);
    expect(report.failures).toEqual([]);
    const imported = await read(t, data.clerk, '/api/v1/patients?limit=100');
    const ids = (imported as { items: { id: string }[] }).items.map((p) => p.id);
    const glass = await t.app.inject({
      method: 'POST',
      url: `/api/v1/patients/${ids[0] ?? ''}/break-glass`,
      headers: bearer(await data.clinic.staff('nurse')),
      payload: { reason: '救急搬送のため既往歴と服薬歴の確認がどうしても必要です' },
    });
    expect(glass.statusCode).toBe(201);
    const records = await snapshot(t, { ...data, patientIds: ids });
    const secret = [
      ...new Set(
        Object.entries(records)
          .filter(([key]) => !key.startsWith('patient:'))
          .flatMap(([, value]) => encryptedTextsOf(value)),
      ),
    ];

    const stored = await encryptedValues(t, data.clinic.tenant);
    expect(stored.filter((s) => !/^mc1\.\d+\./.test(s.value))).toEqual([]);
    // The note, diagnosis, medication and observation texts read back through the API appear
    // nowhere in the tenant's tables (the audit trail is another helper's: issue 5, MOD-4).
    const dump = JSON.stringify(
      await Promise.all(
        [
          'patients',
          'encounter_versions',
          'diagnoses',
          'observations',
          'medications',
          'break_glass',
        ].map((table) => rawRows(t, data.clinic.tenant, table)),
      ),
    );
    expect(secret).toEqual(
      expect.arrayContaining(['頭痛が続く 0', '片頭痛の疑い', '鎮痛薬を処方', 'Body Weight']),
    );
    expect(secret.filter((text) => dump.includes(text))).toEqual([]);
    expect(dump).not.toContain('7000042');
    expect(dump).not.toContain('救急搬送');
  });

  it('answers 500 naming no data when a ciphertext is swapped between two patients', async () => {
    const data = await clinicWithData(t, 2);
    const [first = '', second = ''] = data.patientIds;
    const schema = data.clinic.tenant.schemaName;
    await sql`update ${sql.table(`${schema}.patients`)} as a set insurance_number = b.insurance_number
      from ${sql.table(`${schema}.patients`)} as b where a.id = ${first} and b.id = ${second}`.execute(
      t.db.control,
    );
    const logsBefore = t.logs.length;

    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${first}`,
      headers: bearer(data.clerk),
    });

    expect(response.statusCode).toBe(500);
    const body = response.json<{ error: { code: string; message: string; requestId: string } }>();
    expect(body.error.code).toBe('internal_error');
    expect(body.error.message).toBe(errorRegistry.internal_error.message);
    const logs = t.logs.slice(logsBefore).join('\n');
    expect(logs).toContain('DecryptionError');
    for (const text of ['7000042', '7100042', '記号0', '記号1', '試験', '太郎'])
      expect(`${response.body}${logs}`).not.toContain(text);
  });

  it('refuses a ciphertext copied from another clinic into the same row position', async () => {
    const mine = await clinicWithData(t, 1);
    const theirs = await clinicWithData(t, 1);
    const [theirRow] = await rawRows(t, theirs.clinic.tenant, 'encounter_versions');
    await sql`update ${sql.table(`${mine.clinic.tenant.schemaName}.encounter_versions`)}
      set subjective = ${String(theirRow?.subjective)}`.execute(t.db.control);

    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/encounters/${mine.encounterIds[0] ?? ''}`,
      headers: bearer(mine.doctor),
    });

    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('頭痛');
  });
});

describe('insurance-number search', () => {
  it('finds exactly the patient with that number, typed in full-width digits', async () => {
    const data = await clinicWithData(t, 3);

    const found = await read(
      t,
      data.clerk,
      '/api/v1/patients?insuranceNumber=%EF%BC%97%EF%BC%91%EF%BC%90%EF%BC%90%EF%BC%94%EF%BC%92',
    );

    expect((found as { items: { id: string }[] }).items.map((p) => p.id)).toEqual([
      data.patientIds[1],
    ]);
  });

  it('finds nothing by a partial number', async () => {
    const data = await clinicWithData(t, 1);

    const found = await read(t, data.clerk, '/api/v1/patients?insuranceNumber=7000');

    expect(found).toEqual({ items: [], nextCursor: null });
  });

  it('stores the search index under a key of its own, not the number', async () => {
    const data = await clinicWithData(t, 1);

    const [row] = await rawRows(t, data.clinic.tenant, 'patients');

    expect(row?.insurance_number_bidx).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const keys = await t.db.control
      .selectFrom('tenant_index_keys')
      .select('wrapped_key')
      .where('tenant_id', '=', data.clinic.tenant.id)
      .execute();
    expect(keys).toHaveLength(1);
  });
});

describe('data-key cache', () => {
  it('holds no more unwrapped keys than its bound, and reloads what it let go', async () => {
    const cipher = new FieldCipher(t.db.control, t.platform.keyProvider, { cacheLimit: 5 });
    const tenants = await Promise.all(
      [0, 1, 2, 3, 4].map((i) => t.services.tenants.create(`cache${Date.now() % 1e8}${i}`, 'c')),
    );
    const context = { table: 'diagnoses', column: 'name', rowId: 'r1' };
    const sealed: string[] = [];
    for (const tenant of tenants) sealed.push(await cipher.encrypt(tenant.id, context, '片頭痛'));

    expect(cipher.cachedKeyCount()).toBeLessThanOrEqual(5);
    expect(await cipher.decrypt(tenants[0]?.id ?? '', context, sealed[0] ?? '')).toBe('片頭痛');
  });
});
