import type { RateLimits } from '../../config/config.js';
import type { Store } from '../../platform/store/store.js';
import type { Limiter } from '../../platform/store/limiter.js';
import { AppError } from '../../http/errors.js';

const MINUTE = 60;
const LOCK_AFTER_FAILURES = 5;
const MAX_LOCK_SECONDS = 24 * 60 * MINUTE;

/**
 * Brute-force protection (CRIT-5). Per-IP and per-account limits on every credential check;
 * after five failed logins an account key is locked for 15 minutes, doubling with each further
 * lockout, until a successful login. Keys are the tenant and email as typed, so an unknown
 * account locks exactly like a real one and the answer reveals nothing.
 */
export class LoginGuard {
  private readonly loginByIp: Limiter;
  private readonly failures: Limiter;
  private readonly locks: Limiter;
  private readonly lockouts: Limiter;
  private readonly mfaByIp: Limiter;
  private readonly mfaByAccount: Limiter;
  private readonly refreshByIp: Limiter;
  private readonly refreshByAccount: Limiter;
  private readonly firstLockSeconds: number;

  constructor(store: Store, limits: RateLimits) {
    this.firstLockSeconds = limits.lockoutSeconds;
    this.loginByIp = store.limiter({
      name: 'login-ip',
      points: limits.loginPerIpPer10Min,
      durationSeconds: 10 * MINUTE,
    });
    this.failures = store.limiter({
      name: 'login-fail',
      points: LOCK_AFTER_FAILURES,
      durationSeconds: 24 * 60 * MINUTE,
    });
    this.locks = store.limiter({
      name: 'login-lock',
      points: 1,
      durationSeconds: MAX_LOCK_SECONDS,
    });
    this.lockouts = store.limiter({
      name: 'login-lockouts',
      points: 1000,
      durationSeconds: 7 * 24 * 60 * MINUTE,
    });
    this.mfaByIp = store.limiter({
      name: 'mfa-ip',
      points: limits.mfaPerIpPer10Min,
      durationSeconds: 10 * MINUTE,
    });
    this.mfaByAccount = store.limiter({
      name: 'mfa-account',
      points: limits.mfaPerAccountPer15Min,
      durationSeconds: 15 * MINUTE,
    });
    this.refreshByIp = store.limiter({
      name: 'refresh-ip',
      points: limits.refreshPerIpPerMin,
      durationSeconds: MINUTE,
    });
    // A browser refreshes every few minutes per tab; sixty a minute is a loop or an attack.
    this.refreshByAccount = store.limiter({
      name: 'refresh-account',
      points: 60,
      durationSeconds: MINUTE,
    });
  }

  /** Before the password is checked: refuses a busy IP or a locked account key. */
  async beforeLogin(ip: string, accountKey: string): Promise<void> {
    limited(await this.loginByIp.consume(ip));
    const lockedFor = await this.locks.blockedFor(accountKey);
    if (lockedFor > 0) throw rateLimited(lockedFor);
  }

  /** Counts a failure; the fifth in a row locks the key, for longer each time. */
  async loginFailed(accountKey: string): Promise<{ lockedForSeconds: number } | null> {
    await this.failures.consume(accountKey);
    if ((await this.failures.spent(accountKey)) < LOCK_AFTER_FAILURES) return null;
    await this.lockouts.consume(accountKey);
    const previous = (await this.lockouts.spent(accountKey)) - 1;
    const seconds = Math.min(MAX_LOCK_SECONDS, this.firstLockSeconds * 2 ** previous);
    await this.locks.block(accountKey, seconds);
    await this.failures.reset(accountKey);
    return { lockedForSeconds: seconds };
  }

  async loginSucceeded(accountKey: string): Promise<void> {
    await Promise.all([
      this.failures.reset(accountKey),
      this.lockouts.reset(accountKey),
      this.locks.reset(accountKey),
    ]);
  }

  /** An admin's unlock: the same as a successful login for the counters. */
  unlock(accountKey: string): Promise<void> {
    return this.loginSucceeded(accountKey);
  }

  async isLocked(accountKey: string): Promise<boolean> {
    return (await this.locks.blockedFor(accountKey)) > 0;
  }

  /** TOTP and recovery-code attempts, per IP and per account. */
  async beforeMfa(ip: string, userId: string): Promise<void> {
    limited(await this.mfaByIp.consume(ip));
    limited(await this.mfaByAccount.consume(userId));
  }

  async beforeRefresh(ip: string, userId: string | null): Promise<void> {
    limited(await this.refreshByIp.consume(ip));
    if (userId !== null) limited(await this.refreshByAccount.consume(userId));
  }
}

export function accountKey(tenantCode: string, email: string): string {
  return `${tenantCode.trim().toLowerCase()}:${email.trim().normalize('NFKC').toLowerCase()}`;
}

function limited(
  decision: { allowed: true } | { allowed: false; retryAfterSeconds: number },
): void {
  if (!decision.allowed) throw rateLimited(decision.retryAfterSeconds);
}

function rateLimited(seconds: number): AppError {
  return new AppError('rate_limited', undefined, undefined, { 'retry-after': String(seconds) });
}
