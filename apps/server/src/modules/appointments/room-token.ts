import crypto from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { TurnConfig } from '../../config/turn-config.js';
import { SIGNING_ALG, type SigningKeys } from '../../platform/keys/signing-keys.js';

/** Only the signaling endpoint accepts this audience; the API's own tokens use another. */
export const ROOM_AUDIENCE = 'mediconnect-room';
const ROOM_TOKEN_TYPE = 'room+jwt';
/** Long enough to open the call page and connect; the signaling session then lives on. */
export const ROOM_TOKEN_SECONDS = 5 * 60;

export type RoomRole = 'doctor' | 'patient';

export interface RoomClaims {
  userId: string;
  tenantId: string;
  role: RoomRole;
  /** The appointment id: a token opens this one room and no other. */
  room: string;
  tokenId: string;
  expiresAt: number;
}

export async function issueRoomToken(
  keys: SigningKeys,
  claims: { userId: string; tenantId: string; role: RoomRole; room: string },
  now = Date.now(),
): Promise<{ token: string; jti: string; expiresAt: Date }> {
  const key = await keys.current();
  const jti = crypto.randomUUID();
  const issuedAt = Math.floor(now / 1000);
  const expiresAt = issuedAt + ROOM_TOKEN_SECONDS;
  const token = await new SignJWT({ tid: claims.tenantId, role: claims.role, room: claims.room })
    .setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid, typ: ROOM_TOKEN_TYPE })
    .setSubject(claims.userId)
    .setJti(jti)
    .setAudience(ROOM_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(key.privateKey);
  return { token, jti, expiresAt: new Date(expiresAt * 1000) };
}

/**
 * Checks a room token for the signaling endpoint: signature with a known key and the pinned
 * algorithm, type, audience and lifetime. Null when anything is wrong; callers answer alike.
 */
export async function verifyRoomToken(
  keys: SigningKeys,
  token: string,
  now = Date.now(),
): Promise<RoomClaims | null> {
  try {
    const { payload } = await jwtVerify(
      token,
      async (header) => {
        const key = header.kid === undefined ? undefined : await keys.publicKey(header.kid);
        if (key === undefined) throw new joseErrors.JWKSNoMatchingKey();
        return key;
      },
      {
        algorithms: [SIGNING_ALG],
        audience: ROOM_AUDIENCE,
        typ: ROOM_TOKEN_TYPE,
        currentDate: new Date(now),
        requiredClaims: ['exp', 'jti', 'sub'],
      },
    );
    const { sub, jti, exp, tid, role, room } = payload;
    if (typeof sub !== 'string' || typeof jti !== 'string' || typeof exp !== 'number') return null;
    if (typeof tid !== 'string' || typeof room !== 'string') return null;
    if (role !== 'doctor' && role !== 'patient') return null;
    return { userId: sub, tenantId: tid, role, room, tokenId: jti, expiresAt: exp };
  } catch {
    return null;
  }
}

export interface IceServer {
  urls: string[];
  username: string;
  credential: string;
}

/**
 * coturn's time-limited credentials (`use-auth-secret`, the "TURN REST API" draft): the user
 * name carries its own expiry, the password is HMAC-SHA1 of it under the shared secret, so
 * coturn checks them without asking us. No TURN configured, no ICE servers: no outside STUN.
 */
export function iceServersFor(turn: TurnConfig, userId: string, now = Date.now()): IceServer[] {
  if (turn.secret === null || turn.urls.length === 0) return [];
  const username = `${Math.floor(now / 1000) + turn.credentialSeconds}:${userId}`;
  const credential = crypto.createHmac('sha1', turn.secret).update(username).digest('base64');
  return [{ urls: turn.urls, username, credential }];
}
