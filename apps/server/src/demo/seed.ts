import { recordAudit } from '../modules/audit/service.js';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Services } from '../app.js';
import type { Config } from '../config/config.js';
import type { Role } from '../platform/db/tables.js';
import type { Caller } from '../http/context.js';
import { insurerCheckDigit } from '../modules/patients/insurance.js';
import { createPatient } from '../modules/patients/service.js';
import { DEMO_PATIENTS } from './data.js';

export const DEMO_TENANT = 'demo';

const DEMO_ACCOUNTS: { email: string; role: Role; displayName: string }[] = [
  { email: 'admin@demo.example', role: 'admin', displayName: '管理 花子' },
  { email: 'doctor@demo.example', role: 'doctor', displayName: '山田 太郎' },
  { email: 'doctor2@demo.example', role: 'doctor', displayName: '鈴木 一郎' },
  { email: 'nurse@demo.example', role: 'nurse', displayName: '看護 さくら' },
  { email: 'clerk@demo.example', role: 'clerk', displayName: '受付 次郎' },
];

/**
 * On an empty database, creates the demo clinic with its staff and a small, generated data set
 * (ours: no real person). Passwords are random unless MEDICONNECT_DEMO_PASSWORD is set; they are
 * shown on the terminal once and kept in the data folder (0600), never in the log.
 */
export async function seedDemoClinic(services: Services, config: Config): Promise<boolean> {
  if ((await services.tenants.findByCode(DEMO_TENANT)) !== null) return false;

  const tenant = await services.tenants.create(DEMO_TENANT, 'デモクリニック');
  const fixed = process.env.MEDICONNECT_DEMO_PASSWORD;
  const logins: { email: string; role: Role; password: string }[] = [];
  const ids = new Map<string, string>();
  for (const spec of DEMO_ACCOUNTS) {
    const password = fixed ?? randomPassword();
    const account = await services.accounts.create(tenant, { ...spec, password });
    ids.set(spec.email, account.id);
    logins.push({ email: spec.email, role: spec.role, password });
  }

  const clerk: Caller = {
    userId: ids.get('clerk@demo.example') ?? '',
    role: 'clerk',
    tenantId: tenant.id,
    tenantCode: tenant.code,
    sessionId: 'seed',
    tokenId: 'seed',
    tokenExpiresAt: 0,
    patientId: null,
    amr: [],
    authTime: 0,
    tenant: services.tenants.handle(tenant),
    requestId: 'demo-seed',
    // Seeded on the server itself at first start, not by any client.
    clientIp: 'local',
    auditRead: (event) => recordAudit(services.tenants.handle(tenant).db, event),
  };
  const doctorId = ids.get('doctor@demo.example') ?? '';
  const doctor: Caller = { ...clerk, userId: doctorId, role: 'doctor' };
  let firstPatientId: string | null = null;
  for (const demo of DEMO_PATIENTS) {
    const insurance =
      demo.insurerDataDigits === null
        ? null
        : {
            insurerNumber: `${demo.insurerDataDigits}${insurerCheckDigit(demo.insurerDataDigits)}`,
            symbol: demo.symbol,
            number: demo.number,
            branch: '00',
          };
    const patient = await createPatient(clerk, { ...demo.patient, insurance });
    firstPatientId ??= patient.id;
    await clerk.tenant.db
      .insertInto('care_team')
      .values({
        id: crypto.randomUUID(),
        patient_id: patient.id,
        staff_id: doctorId,
        assigned_by: clerk.userId,
        ended_at: null,
      })
      .execute();
    for (const encounter of demo.encounters) {
      await services.encounters.create(doctor, patient.id, encounter);
    }
  }
  if (firstPatientId !== null) {
    const password = fixed ?? randomPassword();
    const email = 'patient@demo.example';
    await services.accounts.create(tenant, {
      email,
      role: 'patient',
      displayName: '患者 デモ',
      password,
      patientId: firstPatientId,
    });
    logins.push({ email, role: 'patient', password });
  }

  const text = [
    'MediConnect demo clinic (tenant code: demo). These logins are shown once:',
    ...logins.map((l) => `  ${l.role.padEnd(8)} ${l.email.padEnd(24)} ${l.password}`),
    '',
  ].join('\n');
  const file = path.join(config.dataDir, 'demo-logins.txt');
  fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, text, { mode: 0o600 });
  process.stderr.write(`\n${text}  (also kept in ${file})\n\n`);
  return true;
}

function randomPassword(): string {
  return crypto.randomBytes(12).toString('base64url');
}
