import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceLabel } from '../../src/modules/auth/service.js';
import { rotateSigningKeys, signingKeysPath } from '../../src/platform/keys/signing-keys.js';
import {
  bearer,
  createAccount,
  createClinic,
  ORIGIN,
  PASSWORD,
  refreshWith,
  signIn,
  startTestApp,
  type TestApp,
} from '../support/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const me = (token: string) =>
  t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } });

async function nurseOnTwoDevices() {
  const clinic = await createClinic(t);
  const account = await createAccount(t, clinic, 'nurse');
  const laptop = await signIn(t, clinic.tenant.code, account.email);
  const tablet = await signIn(t, clinic.tenant.code, account.email);
  return { clinic, account, laptop, tablet };
}

describe('sessions', () => {
  it('keeps the first device signed in when the same user signs in on a second', async () => {
    const { laptop, tablet } = await nurseOnTwoDevices();

    const laptopRefresh = await refreshWith(t, laptop);
    const tabletMe = await me(tablet.accessToken);

    expect(laptopRefresh.statusCode).toBe(200);
    expect(tabletMe.statusCode).toBe(200);
  });

  it('lists the user’s sessions with device, creation and last use, marking the current one', async () => {
    const { laptop } = await nurseOnTwoDevices();

    const list = await t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/sessions',
      headers: { authorization: `Bearer ${laptop.accessToken}` },
    });

    const items = list.json<{
      items: { id: string; device: string; current: boolean; lastUsedAt: string }[];
    }>().items;
    expect(items).toHaveLength(2);
    expect(items.filter((s) => s.current)).toHaveLength(1);
    // light-my-request's own user agent: a label, never the raw string.
    expect(items[0]?.device).toBe('other browser on unknown OS');
  });

  it('revokes one session: its access token fails at once, the other device is untouched', async () => {
    const { laptop, tablet } = await nurseOnTwoDevices();
    const list = await t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/sessions',
      headers: { authorization: `Bearer ${laptop.accessToken}` },
    });
    const tabletSession = list
      .json<{ items: { id: string; current: boolean }[] }>()
      .items.find((s) => !s.current);

    const revoke = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/auth/sessions/${tabletSession?.id ?? ''}`,
      headers: { authorization: `Bearer ${laptop.accessToken}`, origin: ORIGIN },
    });

    expect(revoke.statusCode).toBe(204);
    expect((await me(tablet.accessToken)).statusCode).toBe(401);
    expect((await refreshWith(t, tablet)).statusCode).toBe(401);
    expect((await me(laptop.accessToken)).statusCode).toBe(200);
  });

  it('cannot revoke another user’s session', async () => {
    const { laptop } = await nurseOnTwoDevices();
    const other = await nurseOnTwoDevices();
    const list = await t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/sessions',
      headers: { authorization: `Bearer ${other.laptop.accessToken}` },
    });
    const victim = list.json<{ items: { id: string }[] }>().items[0]?.id ?? '';

    const revoke = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/auth/sessions/${victim}`,
      headers: { authorization: `Bearer ${laptop.accessToken}`, origin: ORIGIN },
    });

    expect(revoke.statusCode).toBe(404);
    expect((await me(other.laptop.accessToken)).statusCode).toBe(200);
  });

  it('ends every device with revoke-all', async () => {
    const { laptop, tablet } = await nurseOnTwoDevices();

    const revoke = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sessions/revoke-all',
      headers: { authorization: `Bearer ${laptop.accessToken}`, origin: ORIGIN },
    });

    expect(revoke.statusCode).toBe(204);
    expect((await me(laptop.accessToken)).statusCode).toBe(401);
    expect((await me(tablet.accessToken)).statusCode).toBe(401);
    expect((await refreshWith(t, tablet)).statusCode).toBe(401);
  });

  it('lets an admin end every session of a staff member, audited', async () => {
    const { clinic, account, laptop, tablet } = await nurseOnTwoDevices();
    const admin = await clinic.staff('admin');

    const revoke = await t.app.inject({
      method: 'POST',
      url: `/api/v1/staff/${account.id}/sessions/revoke-all`,
      headers: { ...bearer(admin), origin: ORIGIN },
    });
    const events = await t.services.tenants
      .handle(clinic.tenant)
      .db.selectFrom('audit_events')
      .select('action')
      .where('action', '=', 'staff.sessions_revoke')
      .execute();

    expect(revoke.statusCode).toBe(204);
    expect((await me(laptop.accessToken)).statusCode).toBe(401);
    expect((await me(tablet.accessToken)).statusCode).toBe(401);
    expect(events).toHaveLength(1);
  });

  it('ends the other sessions when the password changes, keeping the one that changed it', async () => {
    const { laptop, tablet } = await nurseOnTwoDevices();

    const change = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: { authorization: `Bearer ${laptop.accessToken}`, origin: ORIGIN },
      payload: { currentPassword: PASSWORD, newPassword: 'a-much-better-passphrase-42' },
    });

    expect(change.statusCode).toBe(204);
    expect((await me(laptop.accessToken)).statusCode).toBe(200);
    expect((await me(tablet.accessToken)).statusCode).toBe(401);
  });

  it('refuses a password change without the current password, or to a weak one', async () => {
    const { laptop } = await nurseOnTwoDevices();
    const auth = { authorization: `Bearer ${laptop.accessToken}`, origin: ORIGIN };

    const wrongCurrent = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: auth,
      payload: {
        currentPassword: 'not-my-password-at-all',
        newPassword: 'a-much-better-passphrase-42',
      },
    });
    const weak = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: auth,
      payload: { currentPassword: PASSWORD, newPassword: 'password1234' },
    });
    const tooLong = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: auth,
      payload: {
        currentPassword: PASSWORD,
        newPassword: 'ああああああああああああああああああああああああああ',
      },
    });

    expect(
      wrongCurrent.json<{ error: { fields: { path: string }[] } }>().error.fields[0]?.path,
    ).toBe('/currentPassword');
    expect(weak.json<{ error: { fields: { path: string }[] } }>().error.fields[0]?.path).toBe(
      '/newPassword',
    );
    // 26 kana are 78 bytes: past bcrypt's 72, refused rather than silently truncated.
    expect(
      tooLong.json<{ error: { fields: { message: string }[] } }>().error.fields[0]?.message,
    ).toContain('72 bytes');
  });

  it('makes a new account with a temporary password choose its own before anything else', async () => {
    const clinic = await createClinic(t);
    await t.services.accounts.create(clinic.tenant, {
      email: 'temp@clinic.example',
      role: 'clerk',
      displayName: 'clerk',
      password: PASSWORD,
      mustChangePassword: true,
    });

    const first = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { origin: ORIGIN },
      payload: { tenant: clinic.tenant.code, email: 'temp@clinic.example', password: PASSWORD },
    });
    const step = first.json<{ status: string; passwordToken: string; accessToken?: string }>();
    const changed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password/initial',
      headers: { origin: ORIGIN },
      payload: { passwordToken: step.passwordToken, newPassword: 'my-own-new-passphrase-7' },
    });

    expect(step.status).toBe('password_change_required');
    expect(step.accessToken).toBeUndefined();
    expect(changed.json<{ status: string }>().status).toBe('ok');
  });
});

describe('device labels', () => {
  it('names browser and platform only', () => {
    const chrome =
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';
    expect(deviceLabel(chrome)).toBe('Chrome on Linux');
    expect(deviceLabel(undefined)).toBe('unknown device');
  });
});

describe('access-token lifetime and signing keys', () => {
  it('refuses a logged-out access token although it has not expired', async () => {
    const { laptop } = await nurseOnTwoDevices();

    const logout = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      cookies: { mc_refresh: laptop.refresh, mc_csrf: laptop.csrf },
      headers: {
        authorization: `Bearer ${laptop.accessToken}`,
        'x-csrf-token': laptop.csrf,
        origin: ORIGIN,
      },
    });

    expect(logout.statusCode).toBe(204);
    expect((await me(laptop.accessToken)).statusCode).toBe(401);
  });

  it('keeps verifying tokens of the old key after a rotation and signs new ones with the new key', async () => {
    const { clinic, account, laptop } = await nurseOnTwoDevices();
    const { kid } = await rotateSigningKeys(signingKeysPath(null, t.dataDir));
    // The server re-reads the key file when it meets an unknown kid, or on its periodic check.
    await new Promise((resolve) => setTimeout(resolve, 5_100));

    const after = await signIn(t, clinic.tenant.code, account.email);
    const jwks = await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });

    const header = JSON.parse(
      Buffer.from(after.accessToken.split('.')[0] ?? '', 'base64url').toString(),
    ) as { kid: string };
    expect(header.kid).toBe(kid);
    expect(jwks.json<{ keys: unknown[] }>().keys).toHaveLength(2);
    expect((await me(laptop.accessToken)).statusCode).toBe(200);
  });
});
