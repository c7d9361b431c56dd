import crypto from 'node:crypto';
import { sql } from 'kysely';
import { ENCRYPTED_TABLES } from '../../src/platform/keys/encrypted-fields.js';
import type { Tenant } from '../../src/modules/tenants/service.js';
import {
  assignCare,
  bearer,
  createFastClinic,
  createPatient,
  type Staff,
  type TestApp,
  type TestClinic,
} from '../support/harness.js';

export interface ClinicWithData {
  clinic: TestClinic;
  clerk: Staff;
  doctor: Staff;
  patientIds: string[];
  encounterIds: string[];
}

/** A clinic whose doctor cares for `count` patients, each with insurance and one encounter. */
export async function clinicWithData(t: TestApp, count: number): Promise<ClinicWithData> {
  const clinic = await createFastClinic(t);
  const clerk = await clinic.staff('clerk');
  const doctor = await clinic.staff('doctor');
  const patientIds: string[] = [];
  const encounterIds: string[] = [];
  for (let i = 0; i < count; i++) {
    const patient = await createPatient(t, clerk, {
      insurance: {
        insurerNumber: '01130012',
        symbol: `記号${i}`,
        number: `7${i}0042`,
        branch: '01',
      },
    });
    await assignCare(t, clerk, patient.id, doctor.id);
    patientIds.push(patient.id);
    encounterIds.push(await createEncounter(t, doctor, patient.id, `頭痛が続く ${i}`));
  }
  return { clinic, clerk, doctor, patientIds, encounterIds };
}

export async function createEncounter(
  t: TestApp,
  doctor: Staff,
  patientId: string,
  subjective: string,
): Promise<string> {
  const response = await t.app.inject({
    method: 'POST',
    url: `/api/v1/patients/${patientId}/encounters`,
    headers: bearer(doctor),
    payload: {
      type: 'in_person',
      startedAt: '2025-03-01T09:00:00.000Z',
      note: {
        subjective,
        objective: '体温 37.8',
        assessment: '片頭痛の疑い',
        plan: '鎮痛薬を処方',
      },
      diagnoses: [{ code: 'G43.9', name: '片頭痛' }],
    },
  });
  if (response.statusCode !== 201) throw new Error(`create encounter failed: ${response.body}`);
  return response.json<{ id: string }>().id;
}

/** Every record of the clinic as the API answers it: patients, encounters with all versions. */
export async function snapshot(t: TestApp, data: ClinicWithData): Promise<Record<string, unknown>> {
  const records: Record<string, unknown> = {};
  for (const id of data.patientIds) {
    records[`patient:${id}`] = await read(t, data.doctor, `/api/v1/patients/${id}`);
    records[`medications:${id}`] = await read(t, data.doctor, `/api/v1/patients/${id}/medications`);
    records[`observations:${id}`] = await read(
      t,
      data.doctor,
      `/api/v1/patients/${id}/observations`,
    );
  }
  for (const id of data.encounterIds)
    records[`encounter:${id}`] = await read(t, data.doctor, `/api/v1/encounters/${id}`);
  return records;
}

export async function read(t: TestApp, staff: Staff, url: string): Promise<unknown> {
  const response = await t.app.inject({ method: 'GET', url, headers: bearer(staff) });
  if (response.statusCode !== 200) throw new Error(`GET ${url}: ${response.statusCode}`);
  return response.json();
}

/** Raw SQL on the tenant schema: every row of a table, as the database holds it. */
export async function rawRows(
  t: TestApp,
  tenant: Tenant,
  table: string,
): Promise<Record<string, unknown>[]> {
  const result = await sql<Record<string, unknown>>`select * from ${sql.table(
    `${tenant.schemaName}.${table}`,
  )}`.execute(t.db.control);
  return result.rows;
}

/** Every stored value of every encrypted column, with where it lives. */
export async function encryptedValues(
  t: TestApp,
  tenant: Tenant,
): Promise<{ where: string; value: string }[]> {
  const values: { where: string; value: string }[] = [];
  for (const [table, spec] of Object.entries(ENCRYPTED_TABLES)) {
    for (const row of await rawRows(t, tenant, table)) {
      for (const column of spec.columns) {
        const value = row[column];
        if (typeof value === 'string') values.push({ where: `${table}.${column}`, value });
      }
    }
  }
  return values;
}

export function randomTag(): string {
  return crypto.randomBytes(4).toString('hex');
}
