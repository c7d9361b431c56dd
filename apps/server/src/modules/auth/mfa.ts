import crypto from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

/** RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30-second steps. */
const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** One step either side absorbs clock drift between phone and server. */
const WINDOW = 1;
export const RECOVERY_CODE_COUNT = 10;

function totp(secretBase32: string, label = 'MediConnect'): TOTP {
  return new TOTP({
    issuer: 'MediConnect',
    label,
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD_SECONDS,
    secret: Secret.fromBase32(secretBase32),
  });
}

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** What the enrollment screen shows: the secret, its otpauth URI and a QR code made here. */
export async function enrollmentMaterial(secretBase32: string, account: string) {
  const uri = totp(secretBase32, account).toString();
  const qrDataUrl = await QRCode.toDataURL(uri, {
    errorCorrectionLevel: 'M',
    margin: 1,
    width: 240,
  });
  return { secret: secretBase32, otpauthUri: uri, qrDataUrl };
}

/**
 * The time step a code belongs to, or null. The caller accepts a step only if it is newer than
 * the last accepted one, so a code is never accepted twice (RFC 6238 §5.2).
 */
export function matchTotp(secretBase32: string, code: string, now = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totp(secretBase32).validate({ token: code, timestamp: now, window: WINDOW });
  if (delta === null) return null;
  return Math.floor(now / 1000 / PERIOD_SECONDS) + delta;
}

/** Ten codes of 80 random bits each, shown once; a plain hash suffices at that entropy. */
export function newRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const raw = new Secret({ size: 10 }).base32.toLowerCase();
    return raw.match(/.{4}/g)?.join('-') ?? raw;
  });
  return { codes, hashes: codes.map(hashRecoveryCode) };
}

export function hashRecoveryCode(code: string): string {
  const normalized = code.toLowerCase().replace(/[^a-z2-7]/g, '');
  return crypto
    .createHash('sha256')
    .update(`mediconnect-recovery:${normalized}`)
    .digest('base64url');
}
