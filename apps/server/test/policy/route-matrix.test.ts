import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policy } from '../../src/policy/policy.js';
import {
  assignCare,
  bearer,
  servedApiRoutes,
  createClinic,
  createPatient,
  ORIGIN,
  patientBody,
  startTestApp,
  type Staff,
  type TestApp,
} from '../support/harness.js';

/**
 * Every patient-scoped route × every kind of caller, against the answers SPEC §4 demands:
 * success where the policy allows, 403 where the role can never act, 404 where the record exists
 * but is out of reach (the same body as a record that does not exist). The expectations are
 * written out here, not derived from the policy module, so a change to either shows up.
 */

type Outcome = 'ok' | 403 | 404;
type Caller =
  | 'admin'
  | 'clerk'
  | 'doctorInCare'
  | 'doctorNotInCare'
  | 'nurseInCare'
  | 'nurseNotInCare'
  | 'patientOwn'
  | 'patientOther'
  | 'doctorOtherClinic'
  | 'clerkOtherClinic';

interface Target {
  patientId: string;
  encounterId: string;
  staffToAssign: string;
  careMember: string;
}

interface RouteCase {
  name: string;
  action: keyof typeof policy;
  request: (target: Target) => {
    method: 'GET' | 'POST' | 'PUT' | 'DELETE';
    url: string;
    payload?: object;
    headers?: Record<string, string>;
  };
  expect: Record<Caller, Outcome>;
}

const REASON = '救急外来に搬送、意識障害あり。既往歴と投薬歴の確認が必要なため。';
const note = { subjective: 's', objective: 'o', assessment: 'a', plan: 'p' };
const outsider = { doctorOtherClinic: 404, clerkOtherClinic: 404 } as const;

const routes: RouteCase[] = [
  {
    name: 'GET /patients/{id}',
    action: 'patient.read',
    request: (x) => ({ method: 'GET', url: `/api/v1/patients/${x.patientId}` }),
    expect: {
      admin: 'ok',
      clerk: 'ok',
      doctorInCare: 'ok',
      doctorNotInCare: 404,
      nurseInCare: 'ok',
      nurseNotInCare: 404,
      patientOwn: 'ok',
      patientOther: 404,
      ...outsider,
    },
  },
  {
    name: 'PUT /patients/{id}',
    action: 'patient.update',
    request: (x) => ({
      method: 'PUT',
      url: `/api/v1/patients/${x.patientId}`,
      headers: { 'if-match': '"1"' },
      payload: patientBody({ givenName: '更新' }),
    }),
    expect: {
      admin: 'ok',
      clerk: 'ok',
      doctorInCare: 403,
      doctorNotInCare: 403,
      nurseInCare: 403,
      nurseNotInCare: 403,
      patientOwn: 403,
      patientOther: 403,
      doctorOtherClinic: 403,
      clerkOtherClinic: 404,
    },
  },
  {
    name: 'GET /patients/{id}/care-team',
    action: 'care_team.read',
    request: (x) => ({ method: 'GET', url: `/api/v1/patients/${x.patientId}/care-team` }),
    expect: {
      admin: 'ok',
      clerk: 'ok',
      doctorInCare: 'ok',
      doctorNotInCare: 404,
      nurseInCare: 'ok',
      nurseNotInCare: 404,
      patientOwn: 403,
      patientOther: 403,
      ...outsider,
    },
  },
  {
    name: 'POST /patients/{id}/care-team',
    action: 'care_team.manage',
    request: (x) => ({
      method: 'POST',
      url: `/api/v1/patients/${x.patientId}/care-team`,
      payload: { staffId: x.staffToAssign },
    }),
    expect: {
      admin: 'ok',
      clerk: 'ok',
      doctorInCare: 'ok',
      doctorNotInCare: 404,
      nurseInCare: 403,
      nurseNotInCare: 403,
      patientOwn: 403,
      patientOther: 403,
      doctorOtherClinic: 404,
      clerkOtherClinic: 404,
    },
  },
  {
    name: 'DELETE /patients/{id}/care-team/{staffId}',
    action: 'care_team.manage',
    request: (x) => ({
      method: 'DELETE',
      url: `/api/v1/patients/${x.patientId}/care-team/${x.careMember}`,
    }),
    expect: {
      admin: 'ok',
      clerk: 'ok',
      doctorInCare: 'ok',
      doctorNotInCare: 404,
      nurseInCare: 403,
      nurseNotInCare: 403,
      patientOwn: 403,
      patientOther: 403,
      doctorOtherClinic: 404,
      clerkOtherClinic: 404,
    },
  },
  {
    name: 'GET /patients/{id}/encounters',
    action: 'clinical.read',
    request: (x) => ({ method: 'GET', url: `/api/v1/patients/${x.patientId}/encounters` }),
    expect: {
      admin: 403,
      clerk: 403,
      doctorInCare: 'ok',
      doctorNotInCare: 404,
      nurseInCare: 'ok',
      nurseNotInCare: 404,
      patientOwn: 403,
      patientOther: 403,
      doctorOtherClinic: 404,
      clerkOtherClinic: 403,
    },
  },
  {
    name: 'POST /patients/{id}/encounters',
    action: 'clinical.write',
    request: (x) => ({
      method: 'POST',
      url: `/api/v1/patients/${x.patientId}/encounters`,
      payload: { type: 'in_person', startedAt: '2026-12-01T01:00:00.000Z', note, diagnoses: [] },
    }),
    expect: {
      admin: 403,
      clerk: 403,
      doctorInCare: 'ok',
      doctorNotInCare: 404,
      nurseInCare: 'ok',
      nurseNotInCare: 404,
      patientOwn: 403,
      patientOther: 403,
      doctorOtherClinic: 404,
      clerkOtherClinic: 403,
    },
  },
  {
    name: 'GET /encounters/{id}',
    action: 'clinical.read',
    request: (x) => ({ method: 'GET', url: `/api/v1/encounters/${x.encounterId}` }),
    expect: {
      admin: 403,
      clerk: 403,
      doctorInCare: 'ok',
      doctorNotInCare: 404,
      nurseInCare: 'ok',
      nurseNotInCare: 404,
      patientOwn: 403,
      patientOther: 403,
      doctorOtherClinic: 404,
      clerkOtherClinic: 404,
    },
  },
  {
    name: 'POST /encounters/{id}/amendments',
    action: 'clinical.write',
    request: (x) => ({
      method: 'POST',
      url: `/api/v1/encounters/${x.encounterId}/amendments`,
      payload: { baseVersion: 1, reason: '追記', note, diagnoses: [] },
    }),
    expect: {
      admin: 403,
      clerk: 403,
      doctorInCare: 'ok',
      doctorNotInCare: 404,
      nurseInCare: 'ok',
      nurseNotInCare: 404,
      patientOwn: 403,
      patientOther: 403,
      doctorOtherClinic: 404,
      clerkOtherClinic: 404,
    },
  },
  {
    name: 'GET /patients/{id}/observations',
    action: 'clinical.read',
    request: (x) => ({ method: 'GET', url: `/api/v1/patients/${x.patientId}/observations` }),
    expect: {
      admin: 403,
      clerk: 403,
      doctorInCare: 'ok',
      doctorNotInCare: 404,
      nurseInCare: 'ok',
      nurseNotInCare: 404,
      patientOwn: 403,
      patientOther: 403,
      doctorOtherClinic: 404,
      clerkOtherClinic: 403,
    },
  },
  {
    name: 'GET /patients/{id}/medications',
    action: 'clinical.read',
    request: (x) => ({ method: 'GET', url: `/api/v1/patients/${x.patientId}/medications` }),
    expect: {
      admin: 403,
      clerk: 403,
      doctorInCare: 'ok',
      doctorNotInCare: 404,
      nurseInCare: 'ok',
      nurseNotInCare: 404,
      patientOwn: 403,
      patientOther: 403,
      doctorOtherClinic: 404,
      clerkOtherClinic: 403,
    },
  },
  {
    name: 'POST /patients/{id}/break-glass',
    action: 'break_glass.request',
    request: (x) => ({
      method: 'POST',
      url: `/api/v1/patients/${x.patientId}/break-glass`,
      payload: { reason: REASON },
    }),
    expect: {
      admin: 403,
      clerk: 403,
      doctorInCare: 'ok',
      doctorNotInCare: 'ok',
      nurseInCare: 'ok',
      nurseNotInCare: 'ok',
      patientOwn: 403,
      patientOther: 403,
      doctorOtherClinic: 404,
      clerkOtherClinic: 403,
    },
  },
  {
    name: 'POST /patients/{id}/portal-account',
    action: 'portal.link',
    request: (x) => ({
      method: 'POST',
      url: `/api/v1/patients/${x.patientId}/portal-account`,
      payload: {
        email: `p${x.patientId.slice(0, 8)}@home.example`,
        temporaryPassword: 'portal-temporary-pass-5',
      },
    }),
    expect: {
      admin: 'ok',
      clerk: 'ok',
      doctorInCare: 403,
      doctorNotInCare: 403,
      nurseInCare: 403,
      nurseNotInCare: 403,
      patientOwn: 403,
      patientOther: 403,
      doctorOtherClinic: 403,
      clerkOtherClinic: 404,
    },
  },
  ...(['/audit', '/audit/verify'] as const).map((url): RouteCase => ({
    name: `GET ${url}`,
    action: 'audit.read',
    request: () => ({ method: 'GET', url: `/api/v1${url}` }),
    // The clinic's own audit log: its admins only; every other role is refused by role.
    expect: {
      admin: 'ok',
      clerk: 403,
      doctorInCare: 403,
      doctorNotInCare: 403,
      nurseInCare: 403,
      nurseNotInCare: 403,
      patientOwn: 403,
      patientOther: 403,
      doctorOtherClinic: 403,
      clerkOtherClinic: 403,
    },
  })),
];

let t: TestApp;
let callers: Record<Caller, Staff>;
let clerk: Staff;
let doctorInCare: Staff;
let nurseInCare: Staff;
let spareNurse: Staff;
let ownPatientId: string;

beforeAll(async () => {
  t = await startTestApp();
  const clinic = await createClinic(t);
  const other = await createClinic(t);
  clerk = await clinic.staff('clerk');
  doctorInCare = await clinic.staff('doctor');
  nurseInCare = await clinic.staff('nurse');
  spareNurse = await clinic.staff('nurse');
  const own = await createPatient(t, clerk);
  ownPatientId = own.id;
  callers = {
    admin: await clinic.staff('admin'),
    clerk,
    doctorInCare,
    doctorNotInCare: await clinic.staff('doctor'),
    nurseInCare,
    nurseNotInCare: await clinic.staff('nurse'),
    patientOwn: await clinic.staff('patient', { patientId: own.id }),
    patientOther: await clinic.staff('patient', { patientId: (await createPatient(t, clerk)).id }),
    doctorOtherClinic: await other.staff('doctor'),
    clerkOtherClinic: await other.staff('clerk'),
  };
}, 120_000);

afterAll(async () => {
  await t.close();
});

/** A fresh record for each cell: patient (or the patient account's own), care team, one encounter. */
async function freshTarget(caller: Caller): Promise<Target> {
  const patientId = caller === 'patientOwn' ? ownPatientId : (await createPatient(t, clerk)).id;
  await assignCare(t, clerk, patientId, doctorInCare.id).catch(() => undefined);
  await assignCare(t, clerk, patientId, nurseInCare.id).catch(() => undefined);
  const encounter = await t.app.inject({
    method: 'POST',
    url: `/api/v1/patients/${patientId}/encounters`,
    headers: { ...bearer(doctorInCare), origin: ORIGIN },
    payload: { type: 'in_person', startedAt: '2026-11-01T01:00:00.000Z', note, diagnoses: [] },
  });
  return {
    patientId,
    encounterId: encounter.json<{ id: string }>().id,
    staffToAssign: spareNurse.id,
    careMember: nurseInCare.id,
  };
}

/** 'ok' for any success; otherwise the status, as a number (so 400 or 500 show up as such). */
function outcomeOf(response: LightMyRequestResponse): unknown {
  if (response.statusCode >= 200 && response.statusCode < 300) return 'ok';
  return response.statusCode;
}

describe('the route × caller matrix', () => {
  for (const route of routes) {
    it(`${route.name} (${route.action}) answers every caller as the policy says`, async () => {
      const answers: Partial<Record<Caller, unknown>> = {};
      for (const caller of Object.keys(route.expect) as Caller[]) {
        const request = route.request(await freshTarget(caller));
        const response = await t.app.inject({
          ...request,
          headers: { ...bearer(callers[caller]), origin: ORIGIN, ...request.headers },
        });
        answers[caller] = outcomeOf(response);
      }

      expect(answers).toEqual(route.expect);
    });
  }

  it('answers an out-of-reach record with exactly the body of a missing one', async () => {
    const target = await freshTarget('doctorNotInCare');
    const hidden = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${target.patientId}`,
      headers: bearer(callers.doctorNotInCare),
    });
    const missing = await t.app.inject({
      method: 'GET',
      url: '/api/v1/patients/00000000-0000-4000-8000-000000000000',
      headers: bearer(callers.doctorNotInCare),
    });

    const strip = (r: LightMyRequestResponse) => ({
      ...r.json<{ error: { requestId: string } }>().error,
      requestId: '',
    });
    expect(strip(hidden)).toEqual(strip(missing));
  });

  it('covers every route the app serves about one patient or encounter', () => {
    const covered = new Set(routes.map((route) => route.name.replace(/\{(\w+)\}/g, ':$1')));
    const served = servedApiRoutes(t.app)
      .filter((route) => /^\/api\/v1\/(patients|encounters)\/:id/.test(route.url))
      .map((route) => `${route.method} ${route.url.replace('/api/v1', '')}`);

    expect(served.length).toBeGreaterThan(10);
    expect(served.filter((route) => !covered.has(route))).toEqual([]);
  });

  it('covers every audit route the app serves', () => {
    const covered = new Set(routes.map((route) => route.name));
    const served = servedApiRoutes(t.app)
      .filter((route) => route.url.startsWith('/api/v1/audit'))
      .map((route) => `${route.method} ${route.url.replace('/api/v1', '')}`);

    expect(served).toHaveLength(2);
    expect(served.filter((route) => !covered.has(route))).toEqual([]);
  });
});
