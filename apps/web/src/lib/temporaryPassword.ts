// Temporary passwords an administrator or the front desk hands over, on paper or by voice.

/** No 0/O, 1/l/I or 5/S pairs: the password is read aloud and typed from paper. */
const ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRTUVWXYZ2346789';
const GROUPS = 4;
const GROUP_LENGTH = 4;

/** Random bytes at or above this are skipped, so every character is equally likely. */
const UNBIASED_LIMIT = 256 - (256 % ALPHABET.length);

/**
 * Sixteen characters from 54 (about 92 bits), in groups of four such as "kT7r-9wQm-…": far
 * beyond guessing, and the server's strength check, within its single use.
 */
export function generateTemporaryPassword(): string {
  const chars: string[] = [];
  const bytes = new Uint8Array(64);
  while (chars.length < GROUPS * GROUP_LENGTH) {
    crypto.getRandomValues(bytes);
    for (const byte of bytes) {
      if (byte >= UNBIASED_LIMIT) continue;
      chars.push(ALPHABET.charAt(byte % ALPHABET.length));
      if (chars.length === GROUPS * GROUP_LENGTH) break;
    }
  }
  const groups: string[] = [];
  for (let i = 0; i < chars.length; i += GROUP_LENGTH) {
    groups.push(chars.slice(i, i + GROUP_LENGTH).join(''));
  }
  return groups.join('-');
}
