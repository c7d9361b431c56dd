import crypto from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorRegistry } from '../../src/http/errors.js';
import type { Role } from '../../src/platform/db/tables.js';
import {
  BREAK_GLASS_ACTIONS,
  policy,
  type Action,
  type Relationship,
} from '../../src/policy/policy.js';
import {
  assignCare,
  bearer,
  createAccount,
  createFastClinic,
  createPatient,
  ORIGIN,
  servedApiRoutes,
  startTestApp,
  type Staff,
  type TestApp,
  type TestClinic,
} from '../support/harness.js';
import {
  MEDICATION,
  OWN_ACCOUNT_ROUTES,
  REASON,
  ROUTES,
  SOCKET_ROUTES,
  TARGET_KANA,
  uploadForm,
  type RouteCase,
  type Target,
} from './matrix-routes.js';

/**
 * Every route × every role × {in care, not in care, under break-the-glass, other clinic, own
 * record for patients}, against the answers SPEC §4 demands: success where the policy allows,
 * 403 where the role can never act, 404 where the record exists but is out of reach.
 *
 * The policy is written out a second time below (TABLE) and pinned to the module, so a change to
 * the table must be made twice, on purpose; a new action without a route case fails, and so does
 * a served route without a case. The expected answer of each cell is derived from TABLE by one
 * function (expectedOf), and the answer actually given is asked over HTTP with real tokens.
 */

const TABLE: Record<Action, Partial<Record<Role, Relationship>>> = {
  'patient.list': { admin: 'tenant', clerk: 'tenant', doctor: 'care', nurse: 'care' },
  'patient.create': { admin: 'tenant', clerk: 'tenant' },
  'patient.read': {
    admin: 'tenant',
    clerk: 'tenant',
    doctor: 'care',
    nurse: 'care',
    patient: 'self',
  },
  'patient.update': { admin: 'tenant', clerk: 'tenant' },
  'care_team.read': { admin: 'tenant', clerk: 'tenant', doctor: 'care', nurse: 'care' },
  'care_team.manage': { admin: 'tenant', clerk: 'tenant', doctor: 'care' },
  'clinical.read': { doctor: 'care', nurse: 'care' },
  'clinical.write': { doctor: 'care', nurse: 'care' },
  'file.upload': { doctor: 'care', nurse: 'care' },
  'file.read': { doctor: 'care', nurse: 'care', patient: 'self' },
  'prescription.issue': { doctor: 'care' },
  'prescription.read': { doctor: 'care', nurse: 'care', patient: 'self' },
  'prescription.cancel': { doctor: 'care' },
  'appointment.book': { admin: 'tenant', clerk: 'tenant', patient: 'self' },
  'appointment.read': {
    admin: 'tenant',
    clerk: 'tenant',
    doctor: 'care',
    nurse: 'care',
    patient: 'self',
  },
  'appointment.change': { admin: 'tenant', clerk: 'tenant', patient: 'self' },
  'appointment.join': { doctor: 'care', patient: 'self' },
  'staff.manage': { admin: 'tenant' },
  'staff.directory': { admin: 'tenant', clerk: 'tenant', doctor: 'tenant' },
  'portal.link': { admin: 'tenant', clerk: 'tenant' },
  'break_glass.request': { doctor: 'tenant', nurse: 'tenant' },
  'break_glass.review': { admin: 'tenant' },
  'audit.read': { admin: 'tenant' },
};
const READ_UNDER_GRANT: Action[] = ['patient.read', 'clinical.read', 'care_team.read'];

type Relation = 'care' | 'grant' | 'none' | 'own';
interface CallerKind {
  role: Role;
  clinic: 'home' | 'other';
  relation: Relation;
}

const CALLERS = {
  admin: { role: 'admin', clinic: 'home', relation: 'none' },
  clerk: { role: 'clerk', clinic: 'home', relation: 'none' },
  doctorInCare: { role: 'doctor', clinic: 'home', relation: 'care' },
  doctorNotInCare: { role: 'doctor', clinic: 'home', relation: 'none' },
  doctorBreakGlass: { role: 'doctor', clinic: 'home', relation: 'grant' },
  nurseInCare: { role: 'nurse', clinic: 'home', relation: 'care' },
  nurseNotInCare: { role: 'nurse', clinic: 'home', relation: 'none' },
  patientOwn: { role: 'patient', clinic: 'home', relation: 'own' },
  patientOther: { role: 'patient', clinic: 'home', relation: 'none' },
  adminOtherClinic: { role: 'admin', clinic: 'other', relation: 'none' },
  clerkOtherClinic: { role: 'clerk', clinic: 'other', relation: 'none' },
  doctorOtherClinic: { role: 'doctor', clinic: 'other', relation: 'none' },
  nurseOtherClinic: { role: 'nurse', clinic: 'other', relation: 'none' },
  patientOtherClinic: { role: 'patient', clinic: 'other', relation: 'none' },
} as const satisfies Record<string, CallerKind>;
type Caller = keyof typeof CALLERS;

/** What SPEC §4 demands of one cell, from TABLE alone. */
function expectedOf(route: RouteCase, who: CallerKind): string {
  const rule = TABLE[route.action][who.role];
  if (rule === undefined) return route.hidden === true ? '404 not_found' : '403 forbidden';
  if (route.scope === 'none') return 'ok';
  if (who.clinic === 'other') return '404 not_found';
  switch (rule) {
    case 'tenant':
      return 'ok';
    case 'self':
      return who.relation === 'own' ? 'ok' : '404 not_found';
    case 'care':
      if (who.relation === 'care') return 'ok';
      if (who.relation === 'grant' && route.scope === 'record')
        return READ_UNDER_GRANT.includes(route.action) ? 'ok' : '403 break_glass_read_only';
      return '404 not_found';
  }
}

/** 'ok' for a success (or a list showing the target); otherwise status and error code. */
function observed(route: RouteCase, response: LightMyRequestResponse, target: Target): string {
  if (response.statusCode >= 200 && response.statusCode < 300) {
    if (route.shows === undefined) return 'ok';
    return route.shows(response.json(), target) ? 'ok' : '404 not_found';
  }
  const error = response.json<{ error: { code: string; message: string } }>().error;
  // A 404 must be indistinguishable from a missing record: the registry's code and message.
  if (response.statusCode === 404 && error.message !== errorRegistry.not_found.message)
    return `404 ${error.code} (${error.message})`;
  return `${response.statusCode} ${error.code}`;
}

let t: TestApp;
let home: TestClinic;
let callers: Record<Caller, Staff>;
let clerk: Staff;
let grantHolder: Staff;
let ownPatientId: string;
let shared: { own: Target; other: Target };

beforeAll(async () => {
  t = await startTestApp();
  home = await createFastClinic(t);
  const other = await createFastClinic(t);
  clerk = await home.staff('clerk');
  grantHolder = await home.staff('doctor');
  ownPatientId = (await createPatient(t, clerk)).id;
  const otherPatientId = (await createPatient(t, clerk)).id;
  const inOther = (await createPatient(t, await other.staff('clerk'))).id;
  callers = {
    admin: await home.staff('admin'),
    clerk,
    doctorInCare: await home.staff('doctor'),
    doctorNotInCare: await home.staff('doctor'),
    doctorBreakGlass: await home.staff('doctor'),
    nurseInCare: await home.staff('nurse'),
    nurseNotInCare: await home.staff('nurse'),
    patientOwn: await home.staff('patient', { patientId: ownPatientId }),
    patientOther: await home.staff('patient', { patientId: otherPatientId }),
    adminOtherClinic: await other.staff('admin'),
    clerkOtherClinic: await other.staff('clerk'),
    doctorOtherClinic: await other.staff('doctor'),
    nurseOtherClinic: await other.staff('nurse'),
    patientOtherClinic: await other.staff('patient', { patientId: inOther }),
  };
  // The read targets' appointments start within 15 minutes, so their rooms are open to join.
  shared = {
    own: await makeTarget(ownPatientId, { holder: true, caller: false }, nearSlot(0)),
    other: await makeTarget(
      (await createPatient(t, clerk, { familyNameKana: TARGET_KANA })).id,
      { holder: true, caller: true },
      nearSlot(1),
    ),
  };
}, 180_000);

afterAll(async () => {
  await t.close();
});

async function send(who: Staff, method: string, url: string, payload?: object) {
  return t.app.inject({
    method: method as 'POST',
    url: `/api/v1${url}`,
    headers: { ...bearer(who), origin: ORIGIN },
    ...(payload === undefined ? {} : { payload }),
  });
}

/**
 * A patient in the care of doctorInCare and nurseInCare, with one encounter, staff accounts to act
 * on, and the grants the cell needs (few, so the admin's list of grants stays short).
 */
async function makeTarget(
  patientId: string,
  grants: { holder: boolean; caller: boolean },
  slot = farSlot(),
): Promise<Target> {
  for (const member of [callers.doctorInCare, callers.nurseInCare]) {
    // The own patient is reused across cells: already on the team is fine.
    await assignCare(t, clerk, patientId, member.id).catch(() => undefined);
  }
  const encounter = await send(callers.doctorInCare, 'POST', `/patients/${patientId}/encounters`, {
    type: 'in_person',
    startedAt: '2026-11-01T01:00:00.000Z',
    note: { subjective: 's', objective: 'o', assessment: 'a', plan: 'p' },
    diagnoses: [],
  });
  const open = (who: Staff) =>
    send(who, 'POST', `/patients/${patientId}/break-glass`, { reason: REASON });
  const grant = grants.holder ? await open(grantHolder) : null;
  if (grants.caller) await open(callers.doctorBreakGlass);
  const spare = await createAccount(t, home, 'nurse');
  const staff = await createAccount(t, home, 'nurse');
  const form = uploadForm(patientId);
  const file = await t.app.inject({
    method: 'POST',
    url: '/api/v1/files/upload',
    headers: { ...bearer(callers.doctorInCare), 'content-type': form.contentType },
    payload: form.body,
  });
  const fileId = file.json<{ id: string }>().id;
  await markClean(fileId);
  const prescription = await send(callers.doctorInCare, 'POST', '/prescriptions', {
    patientId,
    medications: [MEDICATION],
  });
  const appointment = await send(clerk, 'POST', '/appointments', {
    doctorId: callers.doctorInCare.id,
    patientId,
    type: 'video',
    ...slot,
  });
  if (appointment.statusCode !== 201) throw new Error(`booking failed: ${appointment.body}`);
  return {
    patientId,
    encounterId: encounter.json<{ id: string }>().id,
    appointmentId: appointment.json<{ id: string }>().id,
    freeSlot: farSlot(),
    staffToAssign: spare.id,
    clinician: callers.doctorInCare.id,
    careMember: callers.nurseInCare.id,
    staffId: staff.id,
    grantId: grant?.json<{ id: string }>().id ?? '',
    fileId,
    prescriptionId: prescription.json<{ id: string }>().id,
    tag: crypto.randomBytes(4).toString('hex'),
  };
}

/** doctorInCare's appointments never overlap: each target takes the next half hour tomorrow. */
let slotsTaken = 0;
function farSlot(): { start: string; end: string } {
  const start = Math.floor(Date.now() / 60_000) * 60_000 + 86_400_000 + slotsTaken++ * 1_800_000;
  return { start: new Date(start).toISOString(), end: new Date(start + 1_800_000).toISOString() };
}

function nearSlot(index: number): { start: string; end: string } {
  const start = Math.floor(Date.now() / 60_000) * 60_000 + (5 + index * 5) * 60_000;
  return { start: new Date(start).toISOString(), end: new Date(start + 300_000).toISOString() };
}

/** No clamd here: the target's file is released by hand, as a clean verdict would. */
async function markClean(fileId: string): Promise<void> {
  await t.services.scans.settle();
  const db = t.services.tenants.handle(home.tenant).db;
  const row = await db
    .updateTable('files')
    .set({ status: 'clean', next_scan_at: null })
    .where('id', '=', fileId)
    .returning('object_key')
    .executeTakeFirstOrThrow();
  await t.objects.move(row.object_key, 'quarantine', 'clean');
}

/** Reads share one target; every write gets a fresh one, so no cell sees another's effects. */
async function targetFor(route: RouteCase, caller: Caller): Promise<Target> {
  const method = route.route.split(' ')[0] ?? '';
  const { relation } = CALLERS[caller];
  if (method === 'GET') return relation === 'own' ? shared.own : shared.other;
  const patientId = relation === 'own' ? ownPatientId : (await createPatient(t, clerk)).id;
  return makeTarget(patientId, {
    holder: route.action === 'break_glass.review',
    caller: relation === 'grant',
  });
}

describe('the route × caller matrix', () => {
  it('tests the policy table as it is written in the policy module', () => {
    expect(policy).toEqual(TABLE);
    expect([...BREAK_GLASS_ACTIONS].sort()).toEqual([...READ_UNDER_GRANT].sort());
  });

  it('has a route case for every action of the policy table', () => {
    const tested = new Set(ROUTES.map((route) => route.action));

    expect(Object.keys(policy).filter((action) => !tested.has(action as Action))).toEqual([]);
  });

  it('covers every route the app serves, apart from those about the caller’s own account and the signaling socket', () => {
    const known = new Set([
      ...ROUTES.map((route) => route.route),
      ...OWN_ACCOUNT_ROUTES,
      ...SOCKET_ROUTES,
    ]);
    const served = servedApiRoutes(t.app).map(
      (route) => `${route.method} ${route.url.replace('/api/v1', '').replace(/:(\w+)/g, '{$1}')}`,
    );

    expect(served.filter((route) => !known.has(route))).toEqual([]);
    expect([...known].filter((route) => !served.includes(route))).toEqual([]);
  });

  for (const route of ROUTES) {
    it(`${route.route} (${route.action}) answers every caller as the table says`, async () => {
      const answers: Partial<Record<Caller, string>> = {};
      const expected: Partial<Record<Caller, string>> = {};
      for (const caller of Object.keys(CALLERS) as Caller[]) {
        const target = await targetFor(route, caller);
        const request = route.request(target);
        const method = route.route.split(' ')[0] ?? 'GET';
        const response = await t.app.inject({
          method: method as 'GET',
          url: `/api/v1${request.url}`,
          headers: { ...bearer(callers[caller]), origin: ORIGIN, ...request.headers },
          ...(request.payload === undefined ? {} : { payload: request.payload }),
        });
        answers[caller] = observed(route, response, target);
        expected[caller] = expectedOf(route, CALLERS[caller]);
      }

      expect(answers).toEqual(expected);
    }, 120_000);
  }

  it('answers an out-of-reach record with exactly the body of a missing one', async () => {
    const hidden = await send(
      callers.doctorNotInCare,
      'GET',
      `/patients/${shared.other.patientId}`,
    );
    const missing = await send(
      callers.doctorNotInCare,
      'GET',
      '/patients/00000000-0000-4000-8000-000000000000',
    );

    const strip = (r: LightMyRequestResponse) => ({
      ...r.json<{ error: { requestId: string } }>().error,
      requestId: '',
    });
    expect(strip(hidden)).toEqual(strip(missing));
  });
});
