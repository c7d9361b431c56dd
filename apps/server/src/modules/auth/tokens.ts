import crypto from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose';
import { SIGNING_ALG, type SigningKeys } from '../../platform/keys/signing-keys.js';
import type { Role } from '../../platform/db/tables.js';

export const AUDIENCE = 'mediconnect-api';

export interface AccessClaims {
  sub: string;
  tid: string;
  role: Role;
  sid: string;
  jti: string;
  amr: string[];
  auth_time: number;
  exp: number;
}

const ROLES: readonly Role[] = ['admin', 'doctor', 'nurse', 'clerk', 'patient'];

export class TokenService {
  constructor(
    private readonly keys: SigningKeys,
    private readonly issuer: string,
    readonly lifetimeSeconds: number,
  ) {}

  async issue(claims: Omit<AccessClaims, 'jti' | 'exp'>): Promise<{ token: string; jti: string }> {
    const jti = crypto.randomUUID();
    const key = await this.keys.current();
    const token = await new SignJWT({
      tid: claims.tid,
      role: claims.role,
      sid: claims.sid,
      amr: claims.amr,
      auth_time: claims.auth_time,
    })
      .setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid, typ: 'at+jwt' })
      .setSubject(claims.sub)
      .setJti(jti)
      .setIssuer(this.issuer)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setNotBefore('0s')
      .setExpirationTime(`${this.lifetimeSeconds}s`)
      .sign(key.privateKey);
    return { token, jti };
  }

  /** Verifies signature (pinned algorithm, known kid), issuer, audience and time; null if any fails. */
  async verify(token: string): Promise<AccessClaims | null> {
    try {
      const { payload } = await jwtVerify(
        token,
        async (header) => {
          const key = header.kid === undefined ? undefined : await this.keys.publicKey(header.kid);
          if (key === undefined) throw new joseErrors.JWKSNoMatchingKey();
          return key;
        },
        { algorithms: [SIGNING_ALG], issuer: this.issuer, audience: AUDIENCE, typ: 'at+jwt' },
      );
      return toClaims(payload);
    } catch {
      return null;
    }
  }
}

function toClaims(payload: JWTPayload): AccessClaims | null {
  const { sub, jti, exp, tid, role, sid, amr, auth_time: authTime } = payload;
  if (typeof sub !== 'string' || typeof jti !== 'string' || typeof exp !== 'number') return null;
  if (typeof tid !== 'string' || typeof sid !== 'string' || typeof authTime !== 'number')
    return null;
  if (typeof role !== 'string' || !ROLES.includes(role as Role)) return null;
  if (!Array.isArray(amr) || !amr.every((m) => typeof m === 'string')) return null;
  return { sub, jti, exp, tid, role: role as Role, sid, amr: amr, auth_time: authTime };
}

/** An opaque refresh token and the hash we keep of it. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = crypto.randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('base64url');
}
