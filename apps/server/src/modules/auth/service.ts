import type { Database, TenantDb } from '../../platform/db/database.js';
import type { Role } from '../../platform/db/tables.js';
import type { Store } from '../../platform/store/store.js';
import { AppError } from '../../http/errors.js';
import type { Principal } from '../../http/context.js';
import { recordAudit, type AuditEvent } from '../audit/service.js';
import type { Account, AccountService } from '../staff/service.js';
import type { Tenant, TenantService } from '../tenants/service.js';
import { accountKey, type LoginGuard } from './login-guard.js';
import type { MfaService } from './mfa-service.js';
import { verifyPassword } from './passwords.js';
import type { PendingLogin, PendingLogins } from './pending-logins.js';
import type { SessionService } from './sessions.js';
import { hashRefreshToken, newRefreshToken, type TokenService } from './tokens.js';

export interface SessionGrant {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  principal: Principal;
  recoveryCodes?: string[];
}

/** What a login step answers: a session, or the next step with its single-use token. */
export type LoginStep =
  | { status: 'ok'; grant: SessionGrant }
  | { status: 'mfa_required' | 'mfa_enrollment_required'; mfaToken: string; expiresIn: number }
  | { status: 'password_change_required'; passwordToken: string; expiresIn: number };

export interface ClientInfo {
  ip: string;
  userAgent: string | undefined;
  requestId: string;
}

/** SPEC §3: a doctor or admin without MFA gets no session until enrolled. */
const MFA_REQUIRED: ReadonlySet<Role> = new Set(['doctor', 'admin']);

export interface AuthDeps {
  db: Database;
  store: Store;
  tokens: TokenService;
  tenants: TenantService;
  accounts: AccountService;
  sessions: SessionService;
  mfa: MfaService;
  pending: PendingLogins;
  /** Told which clinic wrote an audit event, so it is linked into the chain promptly. */
  auditChainer: { notice(handle: TenantDb): void };
  guard: LoginGuard;
}

/** Login in steps (password, password change, MFA), refresh rotation, logout, token checks. */
export class AuthService {
  constructor(private readonly deps: AuthDeps) {}

  async login(
    tenantCode: string,
    email: string,
    password: string,
    client: ClientInfo,
  ): Promise<LoginStep> {
    const { tenants, accounts, guard } = this.deps;
    const key = accountKey(tenantCode, email);
    await guard.beforeLogin(client.ip, key);

    const tenant = await tenants.findByCode(tenantCode);
    const account =
      tenant?.status === 'active' ? await accounts.findByEmail(tenant.id, email) : null;
    // Always one bcrypt comparison, whether or not the account exists.
    const passwordOk = await verifyPassword(password, account?.passwordHash ?? null);

    if (tenant === null || account === null || !passwordOk || account.status !== 'active') {
      const locked = await guard.loginFailed(key);
      if (tenant !== null) {
        await this.audit(tenant, client, {
          actorId: account?.id ?? null,
          actorRole: account?.role ?? 'anonymous',
          action: 'auth.login',
          outcome: 'failure',
          details: {
            reason: account === null ? 'unknown_account' : 'bad_credentials',
            ...(locked === null ? {} : { lockedForSeconds: locked.lockedForSeconds }),
          },
        });
      }
      throw new AppError('invalid_credentials');
    }
    await guard.loginSucceeded(key);
    return this.nextStep(tenant, account, ['pwd'], client);
  }

  /** First login with a temporary password: the new one replaces it, then the login goes on. */
  async changeInitialPassword(
    token: string,
    newPassword: string,
    client: ClientInfo,
  ): Promise<LoginStep> {
    const login = await this.deps.pending.take(token, 'password_change');
    if (login === null) throw new AppError('login_step_expired');
    const { tenant, account } = await this.load(login);
    try {
      await this.deps.accounts.setPassword(tenant.id, account.id, newPassword);
    } catch (error) {
      await this.deps.pending.giveBack(token, login);
      throw error;
    }
    await this.audit(tenant, client, {
      actorId: account.id,
      actorRole: account.role,
      action: 'auth.password_change',
    });
    return this.nextStep(tenant, { ...account, mustChangePassword: false }, login.amr, client);
  }

  async verifyMfa(
    token: string,
    proof: { code?: string; recoveryCode?: string },
    client: ClientInfo,
  ): Promise<SessionGrant> {
    const login = await this.deps.pending.take(token, 'mfa_verify');
    if (login === null) throw new AppError('login_step_expired');
    const { tenant, account } = await this.load(login);
    await this.deps.guard.beforeMfa(client.ip, account.id);

    const method = proof.recoveryCode !== undefined ? 'rec' : 'otp';
    const ok =
      proof.recoveryCode !== undefined
        ? await this.deps.mfa.useRecoveryCode(account.id, proof.recoveryCode)
        : await this.deps.mfa.verifyTotp(tenant.id, account.id, proof.code ?? '');
    await this.audit(tenant, client, {
      actorId: account.id,
      actorRole: account.role,
      action: 'auth.mfa_verify',
      outcome: ok ? 'success' : 'failure',
      details: { method },
    });
    if (!ok) {
      await this.deps.pending.giveBack(token, login);
      throw new AppError('mfa_failed');
    }
    return this.startSession(tenant, account, [...login.amr, method, 'mfa'], client);
  }

  async startEnrollment(token: string) {
    const login = await this.deps.pending.peek(token, 'mfa_enroll');
    if (login === null) throw new AppError('login_step_expired');
    const { account } = await this.load(login);
    return this.deps.mfa.startEnrollment(login.tenantId, account.id, account.email);
  }

  async confirmEnrollment(token: string, code: string, client: ClientInfo): Promise<SessionGrant> {
    const login = await this.deps.pending.take(token, 'mfa_enroll');
    if (login === null) throw new AppError('login_step_expired');
    const { tenant, account } = await this.load(login);
    await this.deps.guard.beforeMfa(client.ip, account.id);
    let recoveryCodes: string[];
    try {
      recoveryCodes = await this.deps.mfa.confirmEnrollment(tenant.id, account.id, code);
    } catch (error) {
      await this.deps.pending.giveBack(token, login);
      throw error;
    }
    await this.audit(tenant, client, {
      actorId: account.id,
      actorRole: account.role,
      action: 'auth.mfa_enroll',
    });
    const grant = await this.startSession(tenant, account, [...login.amr, 'otp', 'mfa'], client);
    return { ...grant, recoveryCodes };
  }

  /**
   * Rotates the refresh token. A token that was already used means two parties hold it: the
   * whole session is revoked, so the thief's copy and the user's copy both stop working.
   */
  async refresh(refreshToken: string, client: ClientInfo): Promise<SessionGrant> {
    const hash = hashRefreshToken(refreshToken);
    const holder = await this.deps.db.control
      .selectFrom('refresh_tokens')
      .innerJoin('sessions', 'sessions.id', 'refresh_tokens.session_id')
      .select('sessions.user_id')
      .where('refresh_tokens.token_hash', '=', hash)
      .executeTakeFirst();
    await this.deps.guard.beforeRefresh(client.ip, holder?.user_id ?? null);
    const now = Date.now();
    const next = newRefreshToken();

    const outcome = await this.deps.db.control.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('refresh_tokens')
        .innerJoin('sessions', 'sessions.id', 'refresh_tokens.session_id')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select([
          'refresh_tokens.used_at',
          'sessions.id as session_id',
          'sessions.tenant_id',
          'sessions.user_id',
          'sessions.created_at',
          'sessions.last_used_at',
          'sessions.expires_at',
          'sessions.revoked_at',
          'sessions.amr',
          'sessions.mfa_at',
          'users.role',
          'users.status',
        ])
        .where('refresh_tokens.token_hash', '=', hash)
        .forUpdate()
        .executeTakeFirst();
      if (row === undefined) return { kind: 'unknown' as const };
      if (row.used_at !== null) {
        await trx
          .updateTable('sessions')
          .set({ revoked_at: new Date(now), revoked_reason: 'refresh_reuse' })
          .where('id', '=', row.session_id)
          .where('revoked_at', 'is', null)
          .execute();
        return { kind: 'reuse' as const, row };
      }
      const { idleMs } = this.deps.sessions.limitsFor(row.role);
      const expired = row.expires_at.getTime() <= now || row.last_used_at.getTime() + idleMs <= now;
      if (row.revoked_at !== null || expired || row.status !== 'active')
        return { kind: 'ended' as const };

      await trx
        .updateTable('refresh_tokens')
        .set({ used_at: new Date(now) })
        .where('token_hash', '=', hash)
        .execute();
      await trx
        .insertInto('refresh_tokens')
        .values({ token_hash: next.hash, session_id: row.session_id, used_at: null })
        .execute();
      await trx
        .updateTable('sessions')
        .set({ last_used_at: new Date(now) })
        .where('id', '=', row.session_id)
        .execute();
      return { kind: 'rotated' as const, row };
    });

    if (outcome.kind === 'reuse') {
      await this.deps.sessions.deny(outcome.row.session_id);
      const tenant = await this.deps.tenants.findById(outcome.row.tenant_id);
      if (tenant !== null) {
        await this.audit(tenant, client, {
          actorId: outcome.row.user_id,
          actorRole: outcome.row.role,
          action: 'auth.refresh_reuse',
          outcome: 'denied',
          details: { sessionId: outcome.row.session_id },
        });
      }
    }
    if (outcome.kind !== 'rotated') throw new AppError('unauthenticated');

    const { row } = outcome;
    const tenant = await this.deps.tenants.findById(row.tenant_id);
    const account = await this.deps.accounts.findById(row.tenant_id, row.user_id);
    if (tenant?.status !== 'active' || account === null) throw new AppError('unauthenticated');
    const authTime = Math.floor((row.mfa_at ?? row.created_at).getTime() / 1000);
    return this.grant(tenant, account, row.session_id, row.amr.split(','), authTime, next.token);
  }

  /** Step-up: a fresh TOTP code within a live session renews `auth_time` (prescriptions need it). */
  async stepUp(principal: Principal, code: string, client: ClientInfo): Promise<SessionGrant> {
    await this.deps.guard.beforeMfa(client.ip, principal.userId);
    const tenant = await this.deps.tenants.findById(principal.tenantId);
    const account = await this.deps.accounts.findById(principal.tenantId, principal.userId);
    if (tenant === null || account === null) throw new AppError('unauthenticated');
    const ok = await this.deps.mfa.verifyTotp(tenant.id, account.id, code);
    await this.audit(tenant, client, {
      actorId: account.id,
      actorRole: account.role,
      action: 'auth.step_up',
      outcome: ok ? 'success' : 'failure',
    });
    if (!ok) throw new AppError('mfa_failed');
    await this.deps.sessions.recordMfa(principal.sessionId);
    const amr = [...new Set([...principal.amr, 'otp', 'mfa'])];
    return this.grant(tenant, account, principal.sessionId, amr, Math.floor(Date.now() / 1000), '');
  }

  /** Ends the session behind a refresh token and/or an access token. */
  async logout(
    refreshToken: string | undefined,
    principal: Principal | null,
    client: ClientInfo,
  ): Promise<void> {
    let sessionId = principal?.sessionId ?? null;
    if (sessionId === null && refreshToken !== undefined) {
      const row = await this.deps.db.control
        .selectFrom('refresh_tokens')
        .select('session_id')
        .where('token_hash', '=', hashRefreshToken(refreshToken))
        .executeTakeFirst();
      sessionId = row?.session_id ?? null;
    }
    if (sessionId === null) return;

    const session = await this.deps.db.control
      .selectFrom('sessions')
      .select(['tenant_id', 'user_id'])
      .where('id', '=', sessionId)
      .executeTakeFirst();
    await this.deps.sessions.revoke(sessionId, 'logout');
    if (principal !== null) {
      const ttl = Math.max(1, principal.tokenExpiresAt - Math.floor(Date.now() / 1000));
      await this.deps.store.set(`deny:jti:${principal.tokenId}`, '1', ttl);
    }
    const tenant =
      session === undefined ? null : await this.deps.tenants.findById(session.tenant_id);
    if (session !== undefined && tenant !== null) {
      await this.audit(tenant, client, {
        actorId: session.user_id,
        actorRole: principal?.role ?? 'unknown',
        action: 'auth.logout',
        details: { sessionId },
      });
    }
  }

  /** Checks an access token: signature and claims, then the deny-list, then the tenant. */
  async authenticate(token: string): Promise<{ principal: Principal; tenant: Tenant } | null> {
    const claims = await this.deps.tokens.verify(token);
    if (claims === null) return null;
    if (await this.deps.store.existsAny([`deny:jti:${claims.jti}`, `deny:sid:${claims.sid}`]))
      return null;
    const tenant = await this.deps.tenants.findById(claims.tid);
    if (tenant?.status !== 'active') return null;
    const patientId =
      claims.role === 'patient'
        ? ((await this.deps.accounts.findById(tenant.id, claims.sub))?.patientId ?? null)
        : null;
    if (claims.role === 'patient' && patientId === null) return null;
    return {
      tenant,
      principal: {
        userId: claims.sub,
        role: claims.role,
        tenantId: tenant.id,
        tenantCode: tenant.code,
        sessionId: claims.sid,
        tokenId: claims.jti,
        tokenExpiresAt: claims.exp,
        patientId,
        amr: claims.amr,
        authTime: claims.auth_time,
      },
    };
  }

  private async nextStep(
    tenant: Tenant,
    account: Account,
    amr: string[],
    client: ClientInfo,
  ): Promise<LoginStep> {
    const { pending, mfa } = this.deps;
    const base = { tenantId: tenant.id, userId: account.id, amr };
    if (account.mustChangePassword) {
      const passwordToken = await pending.begin({ ...base, stage: 'password_change' });
      return { status: 'password_change_required', passwordToken, expiresIn: pending.ttlSeconds };
    }
    if (await mfa.isEnrolled(account.id)) {
      const mfaToken = await pending.begin({ ...base, stage: 'mfa_verify' });
      return { status: 'mfa_required', mfaToken, expiresIn: pending.ttlSeconds };
    }
    if (MFA_REQUIRED.has(account.role)) {
      const mfaToken = await pending.begin({ ...base, stage: 'mfa_enroll' });
      return { status: 'mfa_enrollment_required', mfaToken, expiresIn: pending.ttlSeconds };
    }
    return { status: 'ok', grant: await this.startSession(tenant, account, amr, client) };
  }

  private async startSession(
    tenant: Tenant,
    account: Account,
    amr: string[],
    client: ClientInfo,
  ): Promise<SessionGrant> {
    const session = await this.deps.sessions.create({
      tenantId: tenant.id,
      userId: account.id,
      role: account.role,
      device: deviceLabel(client.userAgent),
      amr,
    });
    await this.audit(tenant, client, {
      actorId: account.id,
      actorRole: account.role,
      action: 'auth.login',
      details: { sessionId: session.sessionId, amr },
    });
    return this.grant(
      tenant,
      account,
      session.sessionId,
      amr,
      session.authTime,
      session.refreshToken,
    );
  }

  private async load(login: PendingLogin): Promise<{ tenant: Tenant; account: Account }> {
    const tenant = await this.deps.tenants.findById(login.tenantId);
    const account = await this.deps.accounts.findById(login.tenantId, login.userId);
    if (tenant?.status !== 'active' || account?.status !== 'active')
      throw new AppError('login_step_expired');
    return { tenant, account };
  }

  private async audit(
    tenant: Tenant,
    client: ClientInfo,
    event: Omit<AuditEvent, 'requestId'>,
  ): Promise<void> {
    const handle = this.deps.tenants.handle(tenant);
    await recordAudit(handle.db, { ...event, requestId: client.requestId, clientIp: client.ip });
    this.deps.auditChainer.notice(handle);
  }

  private async grant(
    tenant: Tenant,
    account: { id: string; role: Role; patientId: string | null },
    sessionId: string,
    amr: string[],
    authTime: number,
    refreshToken: string,
  ): Promise<SessionGrant> {
    const { token, jti } = await this.deps.tokens.issue({
      sub: account.id,
      tid: tenant.id,
      role: account.role,
      sid: sessionId,
      amr,
      auth_time: authTime,
    });
    return {
      accessToken: token,
      expiresIn: this.deps.tokens.lifetimeSeconds,
      refreshToken,
      principal: {
        userId: account.id,
        role: account.role,
        tenantId: tenant.id,
        tenantCode: tenant.code,
        sessionId,
        tokenId: jti,
        tokenExpiresAt: Math.floor(Date.now() / 1000) + this.deps.tokens.lifetimeSeconds,
        patientId: account.patientId,
        amr,
        authTime,
      },
    };
  }
}

/** A short, human label for the session list: browser and platform, never the full string. */
export function deviceLabel(userAgent: string | undefined): string {
  if (userAgent === undefined) return 'unknown device';
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /Chrome\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : 'other browser';
  const platform = /iPhone|iPad/.test(userAgent)
    ? 'iOS'
    : /Android/.test(userAgent)
      ? 'Android'
      : /Windows/.test(userAgent)
        ? 'Windows'
        : /Mac OS X/.test(userAgent)
          ? 'macOS'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : 'unknown OS';
  return `${browser} on ${platform}`;
}
