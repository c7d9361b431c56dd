import crypto from 'node:crypto';
import type { Database } from '../../platform/db/database.js';
import type { Role } from '../../platform/db/tables.js';
import type { Store } from '../../platform/store/store.js';
import { AppError } from '../../http/errors.js';
import type { Principal } from '../../http/context.js';
import { recordAudit } from '../audit/service.js';
import type { AccountService } from '../staff/service.js';
import type { Tenant, TenantService } from '../tenants/service.js';
import { verifyPassword } from './passwords.js';
import { hashRefreshToken, newRefreshToken, type TokenService } from './tokens.js';

export interface SessionGrant {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  principal: Principal;
}

export interface ClientInfo {
  userAgent: string | undefined;
  requestId: string;
}

const HOUR = 3600_000;
const DAY = 24 * HOUR;
/** SPEC §3: how long a session may last in all, and without use. */
const SESSION_LIMITS: Record<'staff' | 'patient', { absoluteMs: number; idleMs: number }> = {
  staff: { absoluteMs: 12 * HOUR, idleMs: HOUR },
  patient: { absoluteMs: 30 * DAY, idleMs: 7 * DAY },
};

function limitsFor(role: Role) {
  return SESSION_LIMITS[role === 'patient' ? 'patient' : 'staff'];
}

/** Login, refresh-token rotation, logout and access-token checks. */
export class AuthService {
  constructor(
    private readonly db: Database,
    private readonly store: Store,
    private readonly tokens: TokenService,
    private readonly tenants: TenantService,
    private readonly accounts: AccountService,
  ) {}

  async login(tenantCode: string, email: string, password: string, client: ClientInfo): Promise<SessionGrant> {
    const tenant = await this.tenants.findByCode(tenantCode);
    const account = tenant?.status === 'active' ? await this.accounts.findByEmail(tenant.id, email) : null;
    // Always one bcrypt comparison, whether or not the account exists.
    const passwordOk = await verifyPassword(password, account?.passwordHash ?? null);

    if (tenant === null || account === null || !passwordOk || account.status !== 'active') {
      if (tenant !== null) {
        await recordAudit(this.tenants.handle(tenant).db, {
          actorId: account?.id ?? null,
          actorRole: account?.role ?? 'anonymous',
          action: 'auth.login',
          outcome: 'failure',
          requestId: client.requestId,
          details: { reason: account === null ? 'unknown_account' : 'bad_credentials' },
        });
      }
      throw new AppError('invalid_credentials');
    }

    const now = Date.now();
    const sessionId = crypto.randomUUID();
    const refresh = newRefreshToken();
    const limits = limitsFor(account.role);
    await this.db.control.transaction().execute(async (trx) => {
      await trx
        .insertInto('sessions')
        .values({
          id: sessionId,
          tenant_id: tenant.id,
          user_id: account.id,
          device_label: deviceLabel(client.userAgent),
          last_used_at: new Date(now),
          expires_at: new Date(now + limits.absoluteMs),
          revoked_at: null,
          revoked_reason: null,
        })
        .execute();
      await trx.insertInto('refresh_tokens').values({ token_hash: refresh.hash, session_id: sessionId,
        used_at: null }).execute();
    });
    await recordAudit(this.tenants.handle(tenant).db, {
      actorId: account.id,
      actorRole: account.role,
      action: 'auth.login',
      requestId: client.requestId,
      details: { sessionId },
    });

    const authTime = Math.floor(now / 1000);
    return this.grant(tenant, account, sessionId, authTime, refresh.token);
  }

  /**
   * Rotates the refresh token. A token that was already used means two parties hold it: the
   * whole session is revoked, so the thief's copy and the user's copy both stop working.
   */
  async refresh(refreshToken: string, client: ClientInfo): Promise<SessionGrant> {
    const hash = hashRefreshToken(refreshToken);
    const now = Date.now();
    const next = newRefreshToken();

    const outcome = await this.db.control.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('refresh_tokens')
        .innerJoin('sessions', 'sessions.id', 'refresh_tokens.session_id')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select([
          'refresh_tokens.used_at', 'sessions.id as session_id', 'sessions.tenant_id', 'sessions.user_id',
          'sessions.created_at', 'sessions.last_used_at', 'sessions.expires_at', 'sessions.revoked_at',
          'users.role', 'users.status',
        ])
        .where('refresh_tokens.token_hash', '=', hash)
        .forUpdate()
        .executeTakeFirst();
      if (row === undefined) return { kind: 'unknown' as const };
      if (row.used_at !== null) {
        await trx.updateTable('sessions').set({ revoked_at: new Date(now), revoked_reason: 'refresh_reuse' })
          .where('id', '=', row.session_id).where('revoked_at', 'is', null).execute();
        return { kind: 'reuse' as const, row };
      }
      const idleLimit = limitsFor(row.role).idleMs;
      const expired = row.expires_at.getTime() <= now || row.last_used_at.getTime() + idleLimit <= now;
      if (row.revoked_at !== null || expired || row.status !== 'active') return { kind: 'ended' as const };

      await trx.updateTable('refresh_tokens').set({ used_at: new Date(now) }).where('token_hash', '=', hash)
        .execute();
      await trx.insertInto('refresh_tokens').values({ token_hash: next.hash, session_id: row.session_id,
        used_at: null }).execute();
      await trx.updateTable('sessions').set({ last_used_at: new Date(now) }).where('id', '=', row.session_id)
        .execute();
      return { kind: 'rotated' as const, row };
    });

    if (outcome.kind === 'reuse') {
      await this.denySession(outcome.row.session_id);
      const tenant = await this.tenants.findById(outcome.row.tenant_id);
      if (tenant !== null) {
        await recordAudit(this.tenants.handle(tenant).db, {
          actorId: outcome.row.user_id,
          actorRole: outcome.row.role,
          action: 'auth.refresh_reuse',
          outcome: 'denied',
          requestId: client.requestId,
          details: { sessionId: outcome.row.session_id },
        });
      }
    }
    if (outcome.kind !== 'rotated') throw new AppError('unauthenticated');

    const tenant = await this.tenants.findById(outcome.row.tenant_id);
    const account = await this.accounts.findById(outcome.row.tenant_id, outcome.row.user_id);
    if (tenant?.status !== 'active' || account === null) throw new AppError('unauthenticated');
    const authTime = Math.floor(outcome.row.created_at.getTime() / 1000);
    return this.grant(tenant, account, outcome.row.session_id, authTime, next.token);
  }

  /** Ends the session behind a refresh token and/or an access token. */
  async logout(refreshToken: string | undefined, principal: Principal | null, requestId: string): Promise<void> {
    let sessionId = principal?.sessionId ?? null;
    if (sessionId === null && refreshToken !== undefined) {
      const row = await this.db.control.selectFrom('refresh_tokens').select('session_id')
        .where('token_hash', '=', hashRefreshToken(refreshToken)).executeTakeFirst();
      sessionId = row?.session_id ?? null;
    }
    if (sessionId === null) return;

    const session = await this.db.control.updateTable('sessions')
      .set({ revoked_at: new Date(), revoked_reason: 'logout' })
      .where('id', '=', sessionId).where('revoked_at', 'is', null)
      .returning(['tenant_id', 'user_id']).executeTakeFirst();
    await this.denySession(sessionId);
    if (principal !== null) {
      const ttl = Math.max(1, principal.tokenExpiresAt - Math.floor(Date.now() / 1000));
      await this.store.set(`deny:jti:${principal.tokenId}`, '1', ttl);
    }
    if (session !== undefined) {
      const tenant = await this.tenants.findById(session.tenant_id);
      const account = await this.accounts.findById(session.tenant_id, session.user_id);
      if (tenant !== null && account !== null) {
        await recordAudit(this.tenants.handle(tenant).db, {
          actorId: account.id, actorRole: account.role, action: 'auth.logout', requestId,
          details: { sessionId },
        });
      }
    }
  }

  /** Checks an access token: signature and claims, then the deny-list, then the tenant. */
  async authenticate(token: string): Promise<{ principal: Principal; tenant: Tenant } | null> {
    const claims = await this.tokens.verify(token);
    if (claims === null) return null;
    if (await this.store.existsAny([`deny:jti:${claims.jti}`, `deny:sid:${claims.sid}`])) return null;
    const tenant = await this.tenants.findById(claims.tid);
    if (tenant?.status !== 'active') return null;
    const patientId = claims.role === 'patient'
      ? ((await this.accounts.findById(tenant.id, claims.sub))?.patientId ?? null)
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
      },
    };
  }

  /** Access tokens of a revoked session stop working at once, not when they expire. */
  private async denySession(sessionId: string): Promise<void> {
    await this.store.set(`deny:sid:${sessionId}`, '1', this.tokens.lifetimeSeconds + 60);
  }

  private async grant(tenant: Tenant, account: { id: string; role: Role; patientId: string | null },
    sessionId: string, authTime: number, refreshToken: string): Promise<SessionGrant> {
    const { token, jti } = await this.tokens.issue({
      sub: account.id, tid: tenant.id, role: account.role, sid: sessionId, amr: ['pwd'], auth_time: authTime,
    });
    return {
      accessToken: token,
      expiresIn: this.tokens.lifetimeSeconds,
      refreshToken,
      principal: {
        userId: account.id,
        role: account.role,
        tenantId: tenant.id,
        tenantCode: tenant.code,
        sessionId,
        tokenId: jti,
        tokenExpiresAt: Math.floor(Date.now() / 1000) + this.tokens.lifetimeSeconds,
        patientId: account.patientId,
      },
    };
  }
}

/** A short, human label for the session list: browser and platform, never the full string. */
export function deviceLabel(userAgent: string | undefined): string {
  if (userAgent === undefined) return 'unknown device';
  const browser = /Edg\//.test(userAgent) ? 'Edge' : /Firefox\//.test(userAgent) ? 'Firefox'
    : /Chrome\//.test(userAgent) ? 'Chrome' : /Safari\//.test(userAgent) ? 'Safari' : 'other browser';
  const platform = /iPhone|iPad/.test(userAgent) ? 'iOS' : /Android/.test(userAgent) ? 'Android'
    : /Windows/.test(userAgent) ? 'Windows' : /Mac OS X/.test(userAgent) ? 'macOS'
      : /Linux/.test(userAgent) ? 'Linux' : 'unknown OS';
  return `${browser} on ${platform}`;
}
