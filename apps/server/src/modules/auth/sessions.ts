import crypto from 'node:crypto';
import type { Database } from '../../platform/db/database.js';
import type { Role } from '../../platform/db/tables.js';
import type { Store } from '../../platform/store/store.js';
import type { SessionLimits } from '../../config/config.js';
import { AppError } from '../../http/errors.js';
import { newRefreshToken } from './tokens.js';

export interface SessionView {
  id: string;
  device: string;
  createdAt: string;
  lastUsedAt: string;
  current: boolean;
}

/**
 * Sessions: one login on one device, a family of refresh tokens. Revoking a session also
 * deny-lists its id in the shared store, so its access tokens fail on the next request rather
 * than when they expire.
 */
export class SessionService {
  constructor(
    private readonly db: Database,
    private readonly store: Store,
    private readonly limits: SessionLimits,
    private readonly accessTokenSeconds: number,
  ) {}

  limitsFor(role: Role): { absoluteMs: number; idleMs: number } {
    return role === 'patient' ? this.limits.patient : this.limits.staff;
  }

  async create(input: {
    tenantId: string;
    userId: string;
    role: Role;
    device: string;
    amr: string[];
  }): Promise<{ sessionId: string; refreshToken: string; authTime: number }> {
    const now = Date.now();
    const sessionId = crypto.randomUUID();
    const refresh = newRefreshToken();
    const mfa = input.amr.includes('otp') || input.amr.includes('rec');
    await this.db.control.transaction().execute(async (trx) => {
      await trx
        .insertInto('sessions')
        .values({
          id: sessionId,
          tenant_id: input.tenantId,
          user_id: input.userId,
          device_label: input.device,
          last_used_at: new Date(now),
          expires_at: new Date(now + this.limitsFor(input.role).absoluteMs),
          revoked_at: null,
          revoked_reason: null,
          amr: input.amr.join(','),
          mfa_at: mfa ? new Date(now) : null,
        })
        .execute();
      await trx
        .insertInto('refresh_tokens')
        .values({ token_hash: refresh.hash, session_id: sessionId, used_at: null })
        .execute();
    });
    return { sessionId, refreshToken: refresh.token, authTime: Math.floor(now / 1000) };
  }

  /** Live sessions only: not revoked, within the absolute limit and the idle limit. */
  async list(
    tenantId: string,
    userId: string,
    role: Role,
    currentSessionId: string,
  ): Promise<SessionView[]> {
    const now = new Date();
    const idleSince = new Date(now.getTime() - this.limitsFor(role).idleMs);
    const rows = await this.db.control
      .selectFrom('sessions')
      .select(['id', 'device_label', 'created_at', 'last_used_at'])
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .where('last_used_at', '>', idleSince)
      .orderBy('last_used_at', 'desc')
      .execute();
    return rows.map((row) => ({
      id: row.id,
      device: row.device_label,
      createdAt: row.created_at.toISOString(),
      lastUsedAt: row.last_used_at.toISOString(),
      current: row.id === currentSessionId,
    }));
  }

  /** Revokes one of the user's own sessions; another user's session is a 404. */
  async revokeOwn(
    tenantId: string,
    userId: string,
    sessionId: string,
    reason: string,
  ): Promise<void> {
    const revoked = await this.db.control
      .updateTable('sessions')
      .set({ revoked_at: new Date(), revoked_reason: reason })
      .where('id', '=', sessionId)
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (revoked === undefined) throw new AppError('not_found');
    await this.deny(sessionId);
  }

  /** Revokes every live session of a user, optionally sparing one (the caller's own). */
  async revokeAll(
    tenantId: string,
    userId: string,
    reason: string,
    except?: string,
  ): Promise<number> {
    let update = this.db.control
      .updateTable('sessions')
      .set({ revoked_at: new Date(), revoked_reason: reason })
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null);
    if (except !== undefined) update = update.where('id', '!=', except);
    const rows = await update.returning('id').execute();
    await Promise.all(rows.map((row) => this.deny(row.id)));
    return rows.length;
  }

  /** Every live session of a clinic: used when the operator suspends it. */
  async revokeTenant(tenantId: string, reason: string): Promise<number> {
    const rows = await this.db.control
      .updateTable('sessions')
      .set({ revoked_at: new Date(), revoked_reason: reason })
      .where('tenant_id', '=', tenantId)
      .where('revoked_at', 'is', null)
      .returning('id')
      .execute();
    await Promise.all(rows.map((row) => this.deny(row.id)));
    return rows.length;
  }

  async revoke(sessionId: string, reason: string): Promise<void> {
    await this.db.control
      .updateTable('sessions')
      .set({ revoked_at: new Date(), revoked_reason: reason })
      .where('id', '=', sessionId)
      .where('revoked_at', 'is', null)
      .execute();
    await this.deny(sessionId);
  }

  async recordMfa(sessionId: string): Promise<void> {
    await this.db.control
      .updateTable('sessions')
      .set({ mfa_at: new Date() })
      .where('id', '=', sessionId)
      .execute();
  }

  /** Access tokens of a revoked session stop working at once, not when they expire. */
  async deny(sessionId: string): Promise<void> {
    await this.store.set(`deny:sid:${sessionId}`, '1', this.accessTokenSeconds + 60);
  }
}
