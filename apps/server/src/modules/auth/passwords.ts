import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as zxcvbnCommon from '@zxcvbn-ts/language-common';
import * as zxcvbnEn from '@zxcvbn-ts/language-en';
import bcrypt from 'bcrypt';

/** bcrypt cost 12, kept from the original design. The native binding hashes on libuv's pool. */
export const BCRYPT_COST = 12;
export const MIN_PASSWORD_LENGTH = 12;

// A real hash of a random string: comparing against it costs what a real account costs, so an
// unknown email answers as slowly as a wrong password (no account enumeration by timing).
const DUMMY_HASH = bcrypt.hashSync(`unused-${Math.random()}`, BCRYPT_COST);

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, BCRYPT_COST);
}

export async function verifyPassword(password: string, hash: string | null): Promise<boolean> {
  const matches = await bcrypt.compare(password, hash ?? DUMMY_HASH);
  return hash !== null && matches;
}

// The most common passwords of at least 12 characters in public breach lists, lower-cased.
const COMMON = new Set([
  '123456789012',
  '1234567890123',
  'qwertyuiop12',
  'password1234',
  'password12345',
  'passwordpassword',
  'qwertyuiopasdf',
  '111111111111',
  '000000000000',
  'iloveyou1234',
  'aaaaaaaaaaaa',
  'abcdefghijkl',
  'abc123456789',
  'qwerty123456',
  '1q2w3e4r5t6y',
  'administrator',
  'welcome12345',
  'letmein12345',
  'changeme1234',
  'mediconnect1',
  'mediconnect123',
  'p@ssw0rd1234',
  'password123!',
  'qazwsxedcrfv',
  '1qaz2wsx3edc',
]);

/** zxcvbn's scale: 3 is "safely unguessable: moderate protection from offline slow-hash attacks". */
const MIN_STRENGTH = 3;
let estimator: ZxcvbnFactory | null = null;

function strength(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({
    dictionary: { ...zxcvbnCommon.dictionary, ...zxcvbnEn.dictionary },
    graphs: zxcvbnCommon.adjacencyGraphs,
    translations: zxcvbnEn.translations,
  });
  return estimator;
}

/** Returns a reason the password is unacceptable, or null. */
export function passwordProblem(password: string): string | null {
  if (Array.from(password).length < MIN_PASSWORD_LENGTH) {
    return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  }
  if (password.length > 256) return 'must be at most 256 characters';
  // bcrypt reads only the first 72 bytes; longer secrets would silently match shorter ones.
  if (Buffer.byteLength(password, 'utf8') > 72) return 'must be at most 72 bytes';
  if (COMMON.has(password.toLowerCase())) return 'is too common';
  if (new Set(password).size < 4) return 'is too repetitive';
  if (strength().check(password).score < MIN_STRENGTH) return 'is too easy to guess';
  return null;
}
