import crypto from 'node:crypto';
import type { Store } from '../../platform/store/store.js';

/** Where a login stands between the password and a session. */
export type LoginStage = 'password_change' | 'mfa_enroll' | 'mfa_verify';

export interface PendingLogin {
  tenantId: string;
  userId: string;
  stage: LoginStage;
  /** Methods proven so far (RFC 8176), carried into the session's `amr`. */
  amr: string[];
  attempts: number;
}

const TTL_SECONDS = 300;
const MAX_ATTEMPTS = 5;

/**
 * Short-lived, single-use tokens for the steps of a login. The token is random and only its
 * hash is a key in the shared store, so any instance can continue a login another one began.
 * Taking a token deletes it; a failed attempt puts it back until five attempts are spent.
 */
export class PendingLogins {
  constructor(private readonly store: Store) {}

  readonly ttlSeconds = TTL_SECONDS;

  async begin(login: Omit<PendingLogin, 'attempts'>): Promise<string> {
    const token = crypto.randomBytes(32).toString('base64url');
    await this.store.set(key(token), JSON.stringify({ ...login, attempts: 0 }), TTL_SECONDS);
    return token;
  }

  async take(token: string, stage: LoginStage): Promise<PendingLogin | null> {
    const raw = await this.store.take(key(token));
    if (raw === null) return null;
    const login = JSON.parse(raw) as PendingLogin;
    return login.stage === stage ? login : null;
  }

  /** Reads without using up: enrollment shows its QR code before the first code confirms it. */
  async peek(token: string, stage: LoginStage): Promise<PendingLogin | null> {
    const raw = await this.store.get(key(token));
    if (raw === null) return null;
    const login = JSON.parse(raw) as PendingLogin;
    return login.stage === stage ? login : null;
  }

  /** After a wrong code: the same token works again, until its attempts run out. */
  async giveBack(token: string, login: PendingLogin): Promise<void> {
    if (login.attempts + 1 >= MAX_ATTEMPTS) return;
    await this.store.set(
      key(token),
      JSON.stringify({ ...login, attempts: login.attempts + 1 }),
      TTL_SECONDS,
    );
  }
}

function key(token: string): string {
  return `login:${crypto.createHash('sha256').update(token).digest('base64url')}`;
}
