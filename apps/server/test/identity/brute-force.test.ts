import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAccount,
  createClinic,
  ORIGIN,
  PASSWORD,
  startTestApp,
  type TestApp,
} from '../support/harness.js';

// Production-like limits, lowered where a test would otherwise wait minutes.
let t: TestApp;
let proxied: TestApp;
beforeAll(async () => {
  t = await startTestApp({ MEDICONNECT_LOGIN_LIMIT_PER_IP: '8', MEDICONNECT_LOCKOUT_SECONDS: '2' });
  proxied = await startTestApp({
    MEDICONNECT_LOGIN_LIMIT_PER_IP: '3',
    MEDICONNECT_TRUSTED_PROXIES: '10.9.9.9',
  });
});
afterAll(async () => {
  await t.close();
  await proxied.close();
});

function login(
  app: TestApp,
  tenant: string,
  email: string,
  password: string,
  from = '198.51.100.7',
  extra: Record<string, string> = {},
) {
  return app.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    remoteAddress: from,
    headers: { origin: ORIGIN, ...extra },
    payload: { tenant, email, password },
  });
}

describe('account lockout', () => {
  it('locks an account after five failures, refusing even the right password, then lets it in after the lock', async () => {
    const clinic = await createClinic(t);
    const account = await createAccount(t, clinic, 'clerk');
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) {
      codes.push(
        (await login(t, clinic.tenant.code, account.email, 'wrong-password-xx', `192.0.2.${i}`))
          .statusCode,
      );
    }

    const locked = await login(t, clinic.tenant.code, account.email, PASSWORD, '192.0.2.50');
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    const later = await login(t, clinic.tenant.code, account.email, PASSWORD, '192.0.2.51');

    expect(codes).toEqual([401, 401, 401, 401, 401]);
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(later.statusCode).toBe(200);
  });

  it('doubles the lock on the next lockout', async () => {
    const clinic = await createClinic(t);
    const account = await createAccount(t, clinic, 'clerk');
    const failFive = async () => {
      for (let i = 0; i < 5; i++)
        await login(t, clinic.tenant.code, account.email, 'wrong-password-xx', `192.0.2.${60 + i}`);
    };
    await failFive();
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    await failFive();

    const locked = await login(t, clinic.tenant.code, account.email, PASSWORD, '192.0.2.70');

    expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(3);
  });

  it('answers a locked unknown account exactly like a locked real one', async () => {
    const clinic = await createClinic(t);
    const account = await createAccount(t, clinic, 'clerk');
    for (let i = 0; i < 5; i++) {
      await login(t, clinic.tenant.code, account.email, 'wrong-password-xx', `192.0.2.${100 + i}`);
      await login(
        t,
        clinic.tenant.code,
        'nobody@nowhere.example',
        'wrong-password-xx',
        `192.0.2.${110 + i}`,
      );
    }

    const real = await login(t, clinic.tenant.code, account.email, PASSWORD, '192.0.2.120');
    const unknown = await login(
      t,
      clinic.tenant.code,
      'nobody@nowhere.example',
      PASSWORD,
      '192.0.2.121',
    );

    expect(real.statusCode).toBe(429);
    expect(unknown.statusCode).toBe(429);
    expect(Object.keys(unknown.json<{ error: object }>().error)).toEqual(
      Object.keys(real.json<{ error: object }>().error),
    );
  });

  it('lets an admin unlock an account, audited', async () => {
    const clinic = await createClinic(t);
    const account = await createAccount(t, clinic, 'clerk');
    const admin = await clinic.staff('admin');
    for (let i = 0; i < 5; i++)
      await login(t, clinic.tenant.code, account.email, 'wrong-password-xx', `192.0.2.${130 + i}`);

    const unlock = await t.app.inject({
      method: 'POST',
      url: `/api/v1/staff/${account.id}/unlock`,
      headers: { authorization: `Bearer ${admin.token}`, origin: ORIGIN },
    });
    const after = await login(t, clinic.tenant.code, account.email, PASSWORD, '192.0.2.140');
    const events = await t.services.tenants
      .handle(clinic.tenant)
      .db.selectFrom('audit_events')
      .select('action')
      .where('action', '=', 'staff.unlock')
      .execute();

    expect(unlock.statusCode).toBe(204);
    expect(after.statusCode).toBe(200);
    expect(events).toHaveLength(1);
  });
});

describe('per-IP limits and X-Forwarded-For', () => {
  it('limits one address however it rotates X-Forwarded-For, when it is not a trusted proxy', async () => {
    const clinic = await createClinic(proxied);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await login(
        proxied,
        clinic.tenant.code,
        `user${i}@x.example`,
        'wrong-password-xx',
        '203.0.113.5',
        { 'x-forwarded-for': `198.18.0.${i}` },
      );
      statuses.push(response.statusCode);
    }

    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });

  it('believes X-Forwarded-For from a trusted proxy, so clients behind it are limited one by one', async () => {
    const clinic = await createClinic(proxied);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await login(
        proxied,
        clinic.tenant.code,
        `user${i}@y.example`,
        'wrong-password-xx',
        '10.9.9.9',
        { 'x-forwarded-for': `198.18.1.${i}` },
      );
      statuses.push(response.statusCode);
    }

    expect(statuses).toEqual([401, 401, 401, 401, 401]);
  });

  it('answers 429 with Retry-After once the address is over its limit', async () => {
    const clinic = await createClinic(proxied);
    let last = await login(
      proxied,
      clinic.tenant.code,
      'a@z.example',
      'wrong-password-xx',
      '203.0.113.99',
    );
    for (let i = 0; i < 3; i++)
      last = await login(
        proxied,
        clinic.tenant.code,
        'a@z.example',
        'wrong-password-xx',
        '203.0.113.99',
      );

    expect(last.statusCode).toBe(429);
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
    expect(last.json<{ error: { code: string } }>().error.code).toBe('rate_limited');
  });
});
