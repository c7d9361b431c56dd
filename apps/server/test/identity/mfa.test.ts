import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireRecentMfa } from '../../src/http/context.js';
import {
  bearer,
  cookieValue,
  createClinic,
  createAccount,
  ORIGIN,
  PASSWORD,
  secretOf,
  startTestApp,
  totpCode,
  type TestApp,
} from '../support/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const headers = { origin: ORIGIN };
const STEP_MS = 30_000;

function login(tenant: string, email: string, password = PASSWORD) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    headers,
    payload: { tenant, email, password },
  });
}

interface Step {
  status: string;
  mfaToken?: string;
  accessToken?: string;
  recoveryCodes?: string[];
}

async function enrolledDoctor() {
  const clinic = await createClinic(t);
  const doctor = await clinic.staff('doctor');
  const secret = secretOf(doctor.email);
  if (secret === undefined) throw new Error('the harness did not enroll the doctor');
  return { clinic, doctor, secret };
}

describe('mandatory MFA', () => {
  it('gives a doctor without MFA an enrollment step and no session', async () => {
    const clinic = await createClinic(t);
    const account = await createAccount(t, clinic, 'doctor');

    const response = await login(clinic.tenant.code, account.email);

    const step = response.json<Step>();
    expect(step.status).toBe('mfa_enrollment_required');
    expect(step.accessToken).toBeUndefined();
    expect(cookieValue(response, 'mc_refresh')).toBeUndefined();
  });

  it('does not accept the enrollment token as an access token', async () => {
    const clinic = await createClinic(t);
    const account = await createAccount(t, clinic, 'admin');
    const step = (await login(clinic.tenant.code, account.email)).json<Step>();

    const me = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${step.mfaToken}` },
    });

    expect(me.statusCode).toBe(401);
  });

  it('enrolls with a QR code made locally and a first code, then shows ten recovery codes once', async () => {
    const clinic = await createClinic(t);
    const account = await createAccount(t, clinic, 'doctor');
    const { mfaToken } = (await login(clinic.tenant.code, account.email)).json<Step>();

    const enroll = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/totp/enroll',
      headers,
      payload: { mfaToken },
    });
    const material = enroll.json<{ secret: string; otpauthUri: string; qrDataUrl: string }>();
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/totp/confirm',
      headers,
      payload: { mfaToken, code: totpCode(material.secret, Date.now() - 5 * STEP_MS) },
    });
    const confirm = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/totp/confirm',
      headers,
      payload: { mfaToken, code: totpCode(material.secret) },
    });

    expect(material.qrDataUrl).toMatch(/^data:image\/png;base64,/);
    expect(material.otpauthUri).toContain(`secret=${material.secret}`);
    expect(wrong.statusCode).toBe(400);
    expect(confirm.statusCode).toBe(200);
    const granted = confirm.json<Step>();
    expect(granted.status).toBe('ok');
    expect(granted.recoveryCodes).toHaveLength(10);
    expect(new Set(granted.recoveryCodes).size).toBe(10);
  });

  it('stores the TOTP secret encrypted, never as the base32 text', async () => {
    const { doctor, secret } = await enrolledDoctor();

    const row = await t.db.control
      .selectFrom('users')
      .select(['mfa_secret'])
      .where('id', '=', doctor.id)
      .executeTakeFirstOrThrow();

    expect(row.mfa_secret).toMatch(/^mc1\./);
    expect(row.mfa_secret).not.toContain(secret);
  });

  it('logs an enrolled doctor in with two steps and puts otp in the token’s amr', async () => {
    const { clinic, doctor, secret } = await enrolledDoctor();
    // The harness's own login used this step's code: start from a clean slate, without waiting.
    await t.db.control
      .updateTable('users')
      .set({ mfa_last_step: 0 })
      .where('id', '=', doctor.id)
      .execute();

    const first = (await login(clinic.tenant.code, doctor.email)).json<Step>();
    const verify = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/verify',
      headers,
      payload: { mfaToken: first.mfaToken, code: totpCode(secret) },
    });

    expect(first.status).toBe('mfa_required');
    expect(verify.statusCode).toBe(200);
    const token = verify.json<Step>().accessToken ?? '';
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      amr: string[];
    };
    expect(claims.amr).toEqual(expect.arrayContaining(['pwd', 'otp', 'mfa']));
  });

  it('refuses a TOTP code the second time it is presented', async () => {
    const { clinic, doctor, secret } = await enrolledDoctor();
    // The harness's own login used this step's code: start from a clean slate, without waiting.
    await t.db.control
      .updateTable('users')
      .set({ mfa_last_step: 0 })
      .where('id', '=', doctor.id)
      .execute();
    const code = totpCode(secret);
    const first = (await login(clinic.tenant.code, doctor.email)).json<Step>();
    const accepted = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/verify',
      headers,
      payload: { mfaToken: first.mfaToken, code },
    });

    const second = (await login(clinic.tenant.code, doctor.email)).json<Step>();
    const replay = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/verify',
      headers,
      payload: { mfaToken: second.mfaToken, code },
    });

    expect(accepted.statusCode).toBe(200);
    expect(replay.statusCode).toBe(401);
    expect(replay.json<{ error: { code: string } }>().error.code).toBe('mfa_failed');
  });

  it('accepts each recovery code once', async () => {
    const clinic = await createClinic(t);
    const account = await createAccount(t, clinic, 'doctor');
    const { mfaToken } = (await login(clinic.tenant.code, account.email)).json<Step>();
    const { secret } = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/mfa/totp/enroll',
        headers,
        payload: { mfaToken },
      })
    ).json<{ secret: string }>();
    const codes =
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/mfa/totp/confirm',
          headers,
          payload: { mfaToken, code: totpCode(secret) },
        })
      ).json<Step>().recoveryCodes ?? [];
    const recoveryCode = codes[0] ?? '';

    const first = (await login(clinic.tenant.code, account.email)).json<Step>();
    const used = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/verify',
      headers,
      payload: { mfaToken: first.mfaToken, recoveryCode },
    });
    const second = (await login(clinic.tenant.code, account.email)).json<Step>();
    const reused = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/verify',
      headers,
      payload: { mfaToken: second.mfaToken, recoveryCode },
    });

    expect(used.statusCode).toBe(200);
    expect(reused.statusCode).toBe(401);
  });

  it('uses an mfaToken once: after a session is granted it is gone', async () => {
    const { clinic, doctor, secret } = await enrolledDoctor();
    await t.db.control
      .updateTable('users')
      .set({ mfa_last_step: 0 })
      .where('id', '=', doctor.id)
      .execute();
    const { mfaToken } = (await login(clinic.tenant.code, doctor.email)).json<Step>();
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/verify',
      headers,
      payload: { mfaToken, code: totpCode(secret) },
    });
    await t.db.control
      .updateTable('users')
      .set({ mfa_last_step: 0 })
      .where('id', '=', doctor.id)
      .execute();

    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/verify',
      headers,
      payload: { mfaToken, code: totpCode(secret) },
    });

    expect(again.statusCode).toBe(401);
    expect(again.json<{ error: { code: string } }>().error.code).toBe('login_step_expired');
  });
});

describe('step-up', () => {
  it('gives a fresh auth_time after a new code, and refuses a wrong one', async () => {
    const { doctor, secret } = await enrolledDoctor();
    await t.db.control
      .updateTable('users')
      .set({ mfa_last_step: 0 })
      .where('id', '=', doctor.id)
      .execute();

    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/step-up',
      headers: { ...bearer(doctor), ...headers },
      payload: { code: totpCode(secret, Date.now() - 10 * STEP_MS) },
    });
    const right = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/mfa/step-up',
      headers: { ...bearer(doctor), ...headers },
      payload: { code: totpCode(secret) },
    });

    expect(wrong.statusCode).toBe(401);
    expect(right.statusCode).toBe(200);
    const token = right.json<{ accessToken: string }>().accessToken;
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      auth_time: number;
    };
    expect(Math.abs(claims.auth_time - Date.now() / 1000)).toBeLessThan(5);
  });
});

describe('admin MFA reset', () => {
  it('makes the user enroll again, ends their sessions and is audited', async () => {
    const { clinic, doctor } = await enrolledDoctor();
    const admin = await clinic.staff('admin');

    const reset = await t.app.inject({
      method: 'POST',
      url: `/api/v1/staff/${doctor.id}/mfa/reset`,
      headers: { ...bearer(admin), ...headers },
    });
    const oldToken = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: bearer(doctor),
    });
    const next = (await login(clinic.tenant.code, doctor.email)).json<Step>();
    const events = await t.services.tenants
      .handle(clinic.tenant)
      .db.selectFrom('audit_events')
      .select(['action', 'actor_id', 'resource_id'])
      .where('action', '=', 'staff.mfa_reset')
      .execute();

    expect(reset.statusCode).toBe(204);
    expect(oldToken.statusCode).toBe(401);
    expect(next.status).toBe('mfa_enrollment_required');
    expect(events).toEqual([
      { action: 'staff.mfa_reset', actor_id: admin.id, resource_id: doctor.id },
    ]);
  });

  it('is refused to a doctor', async () => {
    const { clinic, doctor } = await enrolledDoctor();
    const other = await clinic.staff('doctor');

    const reset = await t.app.inject({
      method: 'POST',
      url: `/api/v1/staff/${other.id}/mfa/reset`,
      headers: { ...bearer(doctor), ...headers },
    });

    expect(reset.statusCode).toBe(403);
  });
});

describe('the step-up check routes can require', () => {
  it('passes a token from a TOTP login, refuses a password-only one and one older than 15 minutes', async () => {
    const { doctor } = await enrolledDoctor();
    const clinic = await createClinic(t);
    const nurse = await clinic.staff('nurse');

    const doctorCaller = await t.services.auth.authenticate(doctor.token);
    const nurseCaller = await t.services.auth.authenticate(nurse.token);
    if (doctorCaller === null || nurseCaller === null) throw new Error('tokens did not verify');
    const sixteenMinutesLater = (doctorCaller.principal.authTime + 16 * 60) * 1000;

    expect(() => {
      requireRecentMfa(doctorCaller.principal);
    }).not.toThrow();
    expect(() => {
      requireRecentMfa(nurseCaller.principal);
    }).toThrow(expect.objectContaining({ code: 'step_up_required' }) as Error);
    expect(() => {
      requireRecentMfa(doctorCaller.principal, sixteenMinutesLater);
    }).toThrow(expect.objectContaining({ code: 'step_up_required' }) as Error);
  });
});
