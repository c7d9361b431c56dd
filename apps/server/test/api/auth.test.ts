import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  base64url,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  importJWK,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  servedApiRoutes,
  bearer,
  cookieValue,
  createAccount,
  createClinic,
  errorCode,
  ORIGIN,
  PASSWORD,
  refreshWith,
  secretOf,
  signIn,
  startTestApp,
  totpCode,
  type TestApp,
  staffName,
} from '../support/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const ISSUER = 'http://localhost:8080';
const AUDIENCE = 'mediconnect-api';

function me(token: string) {
  return t.app.inject({
    method: 'GET',
    url: '/api/v1/me',
    headers: { authorization: `Bearer ${token}` },
  });
}

function login(tenant: string, email: string, password: string) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { tenant, email, password },
  });
}

/** A signed-in doctor of a fresh clinic. */
async function signedInDoctor() {
  const clinic = await createClinic(t);
  const account = await createAccount(t, clinic, 'doctor');
  const session = await signIn(t, clinic.tenant.code, account.email);
  return { clinic, account, session };
}

/** The server's own private signing key, as written by loadSigningKeys into the data folder. */
async function serverSigningKey(): Promise<{ kid: string; key: CryptoKey }> {
  const file = path.join(t.dataDir, 'keys', 'signing-keys.json');
  const { keys } = JSON.parse(fs.readFileSync(file, 'utf8')) as { keys: (JWK & { kid: string })[] };
  const newest = keys[keys.length - 1];
  if (newest === undefined) throw new Error('no signing key');
  return {
    kid: newest.kid,
    key: (await importJWK({ ...newest, alg: 'ES256' }, 'ES256')) as CryptoKey,
  };
}

/**
 * Re-signs the claims of a real token with the server's own key, changing what the test is about.
 * With no changes the result is a valid token (the control test below proves it).
 */
async function forge(
  realToken: string,
  claims: JWTPayload = {},
  header: { kid?: string; typ?: string } = {},
): Promise<string> {
  const { kid, key } = await serverSigningKey();
  return new SignJWT({ ...decodeJwt(realToken), ...claims })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt', ...header })
    .sign(key);
}

describe('login', () => {
  it('returns an access token and sets the refresh and CSRF cookies', async () => {
    const clinic = await createClinic(t);
    const account = await createAccount(t, clinic, 'nurse');

    const response = await login(clinic.tenant.code, account.email, PASSWORD);

    expect(response.statusCode).toBe(200);
    const body = response.json<{
      status: string;
      accessToken: string;
      expiresIn: number;
      user: { id: string };
    }>();
    expect(body).toMatchObject({ status: 'ok', expiresIn: 900, user: { id: account.id } });
    expect(body.accessToken.split('.')).toHaveLength(3);
    const refresh = response.cookies.find((c) => c.name === 'mc_refresh');
    expect(refresh).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
      path: '/api/v1/auth',
    });
    expect(refresh?.value.length).toBeGreaterThanOrEqual(32);
    const csrf = response.cookies.find((c) => c.name === 'mc_csrf');
    expect(csrf).toMatchObject({ secure: true, sameSite: 'Strict', path: '/' });
    expect(csrf?.httpOnly).not.toBe(true);
    expect(csrf?.value.length).toBeGreaterThanOrEqual(16);
  });

  it('marks the token response as not cacheable', async () => {
    const clinic = await createClinic(t);
    const account = await createAccount(t, clinic, 'clerk');

    const response = await login(clinic.tenant.code, account.email, PASSWORD);

    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('answers a wrong password, an unknown account and an unknown clinic with the same 401', async () => {
    const clinic = await createClinic(t);
    const account = await createAccount(t, clinic, 'doctor');

    const wrongPassword = await login(clinic.tenant.code, account.email, 'not-the-password-at-all');
    const unknownAccount = await login(
      clinic.tenant.code,
      `nobody@${clinic.tenant.code}.example`,
      PASSWORD,
    );
    const unknownClinic = await login('no_such_clinic', account.email, PASSWORD);

    const bodies = [wrongPassword, unknownAccount, unknownClinic].map((response) => {
      const { error } = response.json<{ error: { code: string; message: string } }>();
      return { status: response.statusCode, code: error.code, message: error.message };
    });
    expect(bodies[0]).toEqual({
      status: 401,
      code: 'invalid_credentials',
      message: expect.any(String) as string,
    });
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[2]).toEqual(bodies[0]);
    expect(wrongPassword.cookies).toEqual([]);
  });

  it('refuses a deactivated account even with the right password', async () => {
    const clinic = await createClinic(t);
    const account = await createAccount(t, clinic, 'nurse');
    await t.db.control
      .updateTable('users')
      .set({ status: 'deactivated' })
      .where('id', '=', account.id)
      .execute();

    const response = await login(clinic.tenant.code, account.email, PASSWORD);

    expect(response.statusCode).toBe(401);
    expect(errorCode(response)).toBe('invalid_credentials');
  });

  it('refuses an account of a suspended clinic', async () => {
    const clinic = await createClinic(t);
    const account = await createAccount(t, clinic, 'clerk');
    await t.db.control
      .updateTable('tenants')
      .set({ status: 'suspended' })
      .where('id', '=', clinic.tenant.id)
      .execute();

    const response = await login(clinic.tenant.code, account.email, PASSWORD);

    expect(response.statusCode).toBe(401);
    expect(errorCode(response)).toBe('invalid_credentials');
  });

  it('does not let an account of one clinic log in through another clinic’s code', async () => {
    const home = await createClinic(t);
    const other = await createClinic(t);
    const account = await createAccount(t, home, 'doctor');

    const response = await login(other.tenant.code, account.email, PASSWORD);

    expect(response.statusCode).toBe(401);
  });
});

describe('access token', () => {
  it('is an ES256 JWT with a kid and the session claims (a doctor’s amr shows the MFA), living 15 minutes', async () => {
    const { clinic, account, session } = await signedInDoctor();

    const header = decodeProtectedHeader(session.accessToken);
    const claims = decodeJwt(session.accessToken);

    expect(header).toMatchObject({ alg: 'ES256', kid: expect.any(String) as string });
    expect(claims).toMatchObject({
      sub: account.id,
      tid: clinic.tenant.id,
      role: 'doctor',
      iss: ISSUER,
      aud: AUDIENCE,
      sid: expect.any(String) as string,
      jti: expect.any(String) as string,
      amr: ['pwd', 'otp', 'mfa'],
      auth_time: expect.any(Number) as number,
    });
    const now = Math.floor(Date.now() / 1000);
    expect(claims.exp).toBeGreaterThan(now + 14 * 60);
    expect(claims.exp).toBeLessThanOrEqual(now + 15 * 60 + 5);
  });

  it('verifies against the published JWKS, which holds no private key material', async () => {
    const { session } = await signedInDoctor();

    const response = await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    const jwks = response.json<JSONWebKeySet>();
    const verified = await jwtVerify(session.accessToken, createLocalJWKSet(jwks), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['ES256'],
    });

    expect(response.statusCode).toBe(200);
    expect(verified.protectedHeader.kid).toBe(decodeProtectedHeader(session.accessToken).kid);
    for (const key of jwks.keys) {
      expect(Object.keys(key)).not.toContain('d');
    }
  });

  it('gives a new jti and session to each login', async () => {
    const clinic = await createClinic(t);
    const account = await createAccount(t, clinic, 'clerk');

    const first = await signIn(t, clinic.tenant.code, account.email);
    const second = await signIn(t, clinic.tenant.code, account.email);

    expect(decodeJwt(first.accessToken).jti).not.toBe(decodeJwt(second.accessToken).jti);
    expect(decodeJwt(first.accessToken).sid).not.toBe(decodeJwt(second.accessToken).sid);
    expect(first.refresh).not.toBe(second.refresh);
  });
});

describe('GET /me', () => {
  it('returns the caller and their clinic', async () => {
    const { clinic, account, session } = await signedInDoctor();

    const response = await me(session.accessToken);

    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      id: account.id,
      email: account.email,
      displayName: staffName('doctor', clinic.tenant.code),
      role: 'doctor',
      mfaEnrolled: true,
      patientId: null,
      tenant: { code: clinic.tenant.code, name: clinic.tenant.name },
    });
  });
});

describe('tampered access tokens', () => {
  it('accepts a re-signed copy of a real token (the control for the cases below)', async () => {
    const { session } = await signedInDoctor();

    const response = await me(await forge(session.accessToken));

    expect(response.statusCode).toBe(200);
  });

  it('refuses alg none', async () => {
    const { session } = await signedInDoctor();
    const { kid } = decodeProtectedHeader(session.accessToken);
    const encode = (value: object) => base64url.encode(JSON.stringify(value));
    const unsigned = `${encode({ alg: 'none', typ: 'at+jwt', kid })}.${encode(decodeJwt(session.accessToken))}.`;

    const response = await me(unsigned);

    expect(response.statusCode).toBe(401);
    expect(errorCode(response)).toBe('unauthenticated');
  });

  it('refuses HS256 signed with the public key as the HMAC secret', async () => {
    const { session } = await signedInDoctor();
    const jwks = (
      await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })
    ).json<JSONWebKeySet>();
    const publicJwk = jwks.keys[0];
    if (publicJwk === undefined) throw new Error('empty JWKS');
    const pem = crypto
      .createPublicKey({ key: publicJwk as crypto.JsonWebKey, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' });
    const confused = await new SignJWT(decodeJwt(session.accessToken))
      .setProtectedHeader({ alg: 'HS256', kid: publicJwk.kid, typ: 'at+jwt' })
      .sign(new TextEncoder().encode(pem.toString()));

    const response = await me(confused);

    expect(response.statusCode).toBe(401);
  });

  it('refuses a token signed by a key the server does not have, under the server’s kid', async () => {
    const { session } = await signedInDoctor();
    const { kid } = decodeProtectedHeader(session.accessToken);
    const attacker = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const foreign = await new SignJWT(decodeJwt(session.accessToken))
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
      .sign(attacker.privateKey);

    const response = await me(foreign);

    expect(response.statusCode).toBe(401);
  });

  it('refuses an unknown kid', async () => {
    const { session } = await signedInDoctor();

    const response = await me(await forge(session.accessToken, {}, { kid: crypto.randomUUID() }));

    expect(response.statusCode).toBe(401);
  });

  it('refuses a wrong audience', async () => {
    const { session } = await signedInDoctor();

    const response = await me(await forge(session.accessToken, { aud: 'some-other-api' }));

    expect(response.statusCode).toBe(401);
  });

  it('refuses a wrong issuer', async () => {
    const { session } = await signedInDoctor();

    const response = await me(await forge(session.accessToken, { iss: 'https://evil.example' }));

    expect(response.statusCode).toBe(401);
  });

  it('refuses an expired token', async () => {
    const { session } = await signedInDoctor();
    const now = Math.floor(Date.now() / 1000);

    const response = await me(
      await forge(session.accessToken, { iat: now - 1000, nbf: now - 1000, exp: now - 10 }),
    );

    expect(response.statusCode).toBe(401);
  });

  it('refuses a token that is not valid yet', async () => {
    const { session } = await signedInDoctor();
    const now = Math.floor(Date.now() / 1000);

    const response = await me(await forge(session.accessToken, { nbf: now + 600 }));

    expect(response.statusCode).toBe(401);
  });

  it('refuses a token of another type than an access token', async () => {
    const { session } = await signedInDoctor();

    const response = await me(await forge(session.accessToken, {}, { typ: 'JWT' }));

    expect(response.statusCode).toBe(401);
  });

  it('refuses a role the server does not know', async () => {
    const { session } = await signedInDoctor();

    const response = await me(await forge(session.accessToken, { role: 'superuser' }));

    expect(response.statusCode).toBe(401);
  });

  it('refuses a token naming a clinic that does not exist', async () => {
    const { session } = await signedInDoctor();

    const response = await me(await forge(session.accessToken, { tid: crypto.randomUUID() }));

    expect(response.statusCode).toBe(401);
  });

  it('refuses a token whose signature was altered by one character', async () => {
    const { session } = await signedInDoctor();
    const [head, payload, signature = ''] = session.accessToken.split('.');
    const flipped = `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;

    const response = await me(`${head ?? ''}.${payload ?? ''}.${flipped}`);

    expect(response.statusCode).toBe(401);
  });
});

describe('refresh', () => {
  it('rotates the refresh cookie and returns a new access token', async () => {
    const { session } = await signedInDoctor();

    const response = await refreshWith(t, session);

    expect(response.statusCode).toBe(200);
    const rotated = cookieValue(response, 'mc_refresh');
    expect(rotated).toBeDefined();
    expect(rotated).not.toBe(session.refresh);
    const token = response.json<{ accessToken: string }>().accessToken;
    expect(token).not.toBe(session.accessToken);
    expect(decodeJwt(token).sid).toBe(decodeJwt(session.accessToken).sid);
    expect((await me(token)).statusCode).toBe(200);
  });

  it('treats a used refresh token as stolen: it fails and the whole session ends', async () => {
    const { session } = await signedInDoctor();
    const rotated = await refreshWith(t, session);
    const next = {
      refresh: cookieValue(rotated, 'mc_refresh') ?? '',
      csrf: cookieValue(rotated, 'mc_csrf') ?? '',
      accessToken: rotated.json<{ accessToken: string }>().accessToken,
    };

    const replay = await refreshWith(t, session);

    expect(replay.statusCode).toBe(401);
    expect((await me(session.accessToken)).statusCode).toBe(401);
    expect((await me(next.accessToken)).statusCode).toBe(401);
    expect((await refreshWith(t, next)).statusCode).toBe(401);
  });

  it('refuses a refresh without the CSRF header', async () => {
    const { session } = await signedInDoctor();

    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      cookies: { mc_refresh: session.refresh, mc_csrf: session.csrf },
      headers: { origin: ORIGIN },
    });

    expect(response.statusCode).toBe(403);
    expect(errorCode(response)).toBe('csrf_failed');
    expect((await refreshWith(t, session)).statusCode).toBe(200);
  });

  it('refuses a refresh whose CSRF header does not match the cookie', async () => {
    const { session } = await signedInDoctor();

    const response = await refreshWith(t, session, { 'x-csrf-token': `${session.csrf}x` });

    expect(response.statusCode).toBe(403);
    expect(errorCode(response)).toBe('csrf_failed');
  });

  it('refuses a refresh from an Origin off the allowlist', async () => {
    const { session } = await signedInDoctor();

    const response = await refreshWith(t, session, { origin: 'https://evil.example' });

    expect(response.statusCode).toBe(403);
    expect(errorCode(response)).toBe('origin_not_allowed');
    expect((await refreshWith(t, session)).statusCode).toBe(200);
  });

  it('refuses a refresh that names neither an Origin nor a Referer', async () => {
    const { session } = await signedInDoctor();

    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      cookies: { mc_refresh: session.refresh, mc_csrf: session.csrf },
      headers: { 'x-csrf-token': session.csrf },
    });

    expect(response.statusCode).toBe(403);
  });

  it('answers 401 when there is no refresh cookie', async () => {
    const csrf = crypto.randomBytes(24).toString('base64url');

    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      cookies: { mc_csrf: csrf },
      headers: { 'x-csrf-token': csrf, origin: ORIGIN },
    });

    expect(response.statusCode).toBe(401);
    expect(errorCode(response)).toBe('unauthenticated');
  });

  it('ends when the account is deactivated', async () => {
    const { account, session } = await signedInDoctor();
    await t.db.control
      .updateTable('users')
      .set({ status: 'deactivated' })
      .where('id', '=', account.id)
      .execute();

    const response = await refreshWith(t, session);

    expect(response.statusCode).toBe(401);
  });
});

describe('logout', () => {
  it('answers 204 and the access token stops working at once', async () => {
    const { session } = await signedInDoctor();

    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      cookies: { mc_refresh: session.refresh, mc_csrf: session.csrf },
      headers: {
        authorization: `Bearer ${session.accessToken}`,
        'x-csrf-token': session.csrf,
        origin: ORIGIN,
      },
    });

    expect(response.statusCode).toBe(204);
    expect((await me(session.accessToken)).statusCode).toBe(401);
  });

  it('ends the refresh cookie too, and clears both cookies', async () => {
    const { session } = await signedInDoctor();

    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      cookies: { mc_refresh: session.refresh, mc_csrf: session.csrf },
      headers: {
        authorization: `Bearer ${session.accessToken}`,
        'x-csrf-token': session.csrf,
        origin: ORIGIN,
      },
    });

    const cleared = response.cookies.filter(
      (c) => c.value === '' && c.expires !== undefined && c.expires.getTime() < Date.now(),
    );
    expect(cleared.map((c) => c.name).sort()).toEqual(['mc_csrf', 'mc_refresh']);
    expect((await refreshWith(t, session)).statusCode).toBe(401);
  });

  it('ends the session of a cookie-only logout (no access token at hand)', async () => {
    const { session } = await signedInDoctor();

    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      cookies: { mc_refresh: session.refresh, mc_csrf: session.csrf },
      headers: { 'x-csrf-token': session.csrf, origin: ORIGIN },
    });

    expect(response.statusCode).toBe(204);
    expect((await me(session.accessToken)).statusCode).toBe(401);
    expect((await refreshWith(t, session)).statusCode).toBe(401);
  });

  it('ends only this session: the same account’s other login keeps working', async () => {
    const clinic = await createClinic(t);
    const account = await createAccount(t, clinic, 'nurse');
    const laptop = await signIn(t, clinic.tenant.code, account.email);
    const tablet = await signIn(t, clinic.tenant.code, account.email);

    await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      cookies: { mc_refresh: laptop.refresh, mc_csrf: laptop.csrf },
      headers: {
        authorization: `Bearer ${laptop.accessToken}`,
        'x-csrf-token': laptop.csrf,
        origin: ORIGIN,
      },
    });

    expect((await me(laptop.accessToken)).statusCode).toBe(401);
    expect((await me(tablet.accessToken)).statusCode).toBe(200);
    expect((await refreshWith(t, tablet)).statusCode).toBe(200);
  });

  it('refuses a logout without the CSRF header and leaves the session alive', async () => {
    const { session } = await signedInDoctor();

    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      cookies: { mc_refresh: session.refresh, mc_csrf: session.csrf },
      headers: { authorization: `Bearer ${session.accessToken}`, origin: ORIGIN },
    });

    expect(response.statusCode).toBe(403);
    expect((await me(session.accessToken)).statusCode).toBe(200);
  });
});

describe('login steps of roles that must use MFA', () => {
  it('turns one password login into at most one session when two proofs race on its token', async () => {
    const { clinic, account, session } = await signedInDoctor();
    const recoveryCode =
      session.response.json<{ recoveryCodes: string[] }>().recoveryCodes[0] ?? '';
    const secret = secretOf(account.email) ?? '';
    await t.db.control
      .updateTable('users')
      .set({ mfa_last_step: 0 })
      .where('id', '=', account.id)
      .execute();
    const { mfaToken } = (await login(clinic.tenant.code, account.email, PASSWORD)).json<{
      mfaToken: string;
    }>();
    const verify = (proof: object) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/mfa/verify',
        payload: { mfaToken, ...proof },
      });

    const responses = await Promise.all([
      verify({ code: totpCode(secret) }),
      verify({ recoveryCode }),
    ]);

    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 401]);
  });
});

describe('unauthenticated requests', () => {
  /** Only these API routes may be called without an access token. */
  const PUBLIC = new Set([
    'POST /api/v1/auth/login',
    'POST /api/v1/auth/refresh',
    'POST /api/v1/auth/logout',
    'POST /api/v1/auth/password/initial',
    'POST /api/v1/auth/mfa/verify',
    'POST /api/v1/auth/mfa/totp/enroll',
    'POST /api/v1/auth/mfa/totp/confirm',
    // The signaling WebSocket authenticates its first message with a room token (a plain GET
    // answers 426); its refusals are tested over real sockets in test/consultations.
    'GET /api/v1/signaling',
  ]);

  const apiRoutes = () => servedApiRoutes(t.app);

  it('answers every non-public API route with 401 before validating anything', async () => {
    const routes = apiRoutes().filter((route) => !PUBLIC.has(`${route.method} ${route.url}`));
    expect(routes.map((r) => `${r.method} ${r.url}`)).toContain('PUT /api/v1/patients/:id');

    const answers = await Promise.all(
      routes.map(async (route) => {
        // Invalid ids, body and query: a 401 shows authentication runs before validation.
        const url = `${route.url.replace(/:[A-Za-z]+/g, 'not-a-uuid')}?limit=0`;
        const response = await t.app.inject({
          method: route.method,
          url,
          ...(route.method === 'GET' || route.method === 'DELETE'
            ? {}
            : { payload: { nonsense: true } }),
        });
        return `${route.method} ${route.url} → ${response.statusCode} ${errorCode(response) ?? ''}`;
      }),
    );

    expect(answers).toEqual(routes.map((r) => `${r.method} ${r.url} → 401 unauthenticated`));
  });

  it('lets nothing but the login steps, refresh and logout through without a token', async () => {
    const reachable = await Promise.all(
      apiRoutes().map(async (route) => {
        const response = await t.app.inject({
          method: route.method,
          url: route.url.replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000'),
          ...(route.method === 'GET' ? {} : { payload: {} }),
        });
        return response.statusCode === 401 && errorCode(response) === 'unauthenticated'
          ? null
          : `${route.method} ${route.url}`;
      }),
    );

    expect(reachable.filter((r) => r !== null).sort()).toEqual([...PUBLIC].sort());
  });

  it('treats a malformed Authorization header as no token', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: 'Basic YWRtaW46YWRtaW4=' },
    });

    expect(response.statusCode).toBe(401);
  });

  it('treats a garbage bearer token as no token', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: bearer({ token: 'a.b.c' }),
    });

    expect(response.statusCode).toBe(401);
  });
});
