import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { exportJWK, importJWK, type CryptoKey, type JWK } from 'jose';

export const SIGNING_ALG = 'ES256';
/** The longest an access token can live (config allows 5–30 minutes), plus clock slack. */
const RETIRED_KEY_GRACE_MS = 35 * 60_000;
const RELOAD_THROTTLE_MS = 5_000;

export interface SigningKeys {
  /** The newest key: every new token is signed with it. */
  current(): Promise<{ kid: string; privateKey: CryptoKey }>;
  /** Public key by kid; an unknown kid makes the set re-read its file once (rotation elsewhere). */
  publicKey(kid: string): Promise<CryptoKey | undefined>;
  jwks(): Promise<{ keys: JWK[] }>;
  /**
   * Public key by kid, including keys retired from token signing. Only for signatures meant to
   * outlive tokens (signed audit checkpoints): never use it to accept an access token.
   */
  archivedPublicKey(kid: string): Promise<CryptoKey | undefined>;
}

type StoredKey = JWK & { kid: string; created?: string };
interface KeyFile {
  keys: StoredKey[];
  /** Public parts of keys dropped by rotation: audit checkpoints they signed stay verifiable. */
  retired?: JWK[];
}

interface Loaded {
  mtimeMs: number;
  current: { kid: string; privateKey: CryptoKey };
  publicKeys: Map<string, CryptoKey>;
  retiredKeys: Map<string, CryptoKey>;
  jwks: JWK[];
}

export function signingKeysPath(file: string | null, dataDir: string): string {
  return file ?? path.join(dataDir, 'keys', 'signing-keys.json');
}

/**
 * The private signing keys (a JWK set, newest last) from a file. Without an explicit file, a
 * key set is generated once into the data folder so restarts keep sessions valid; production
 * refuses that (see config). `keys rotate` appends to the same file; running servers pick the
 * new key up on their next check and keep the old ones for verification.
 */
export async function loadSigningKeys(file: string | null, dataDir: string): Promise<SigningKeys> {
  const keyPath = signingKeysPath(file, dataDir);
  if (file === null && !fs.existsSync(keyPath)) {
    fs.mkdirSync(path.dirname(keyPath), { recursive: true, mode: 0o700 });
    try {
      fs.writeFileSync(keyPath, JSON.stringify({ keys: [await newSigningJwk()] }, null, 2), {
        mode: 0o600,
        flag: 'wx',
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }

  let loaded = await read(keyPath);
  let checkedAt = Date.now();
  const refresh = async (): Promise<Loaded> => {
    if (Date.now() - checkedAt < RELOAD_THROTTLE_MS) return loaded;
    checkedAt = Date.now();
    const mtimeMs = fs.statSync(keyPath).mtimeMs;
    if (mtimeMs !== loaded.mtimeMs) loaded = await read(keyPath);
    return loaded;
  };

  return {
    async current() {
      return (await refresh()).current;
    },
    async publicKey(kid) {
      return loaded.publicKeys.get(kid) ?? (await refresh()).publicKeys.get(kid);
    },
    async jwks() {
      return { keys: (await refresh()).jwks };
    },
    async archivedPublicKey(kid) {
      const fresh = await refresh();
      return fresh.publicKeys.get(kid) ?? fresh.retiredKeys.get(kid);
    },
  };
}

async function read(keyPath: string): Promise<Loaded> {
  const mtimeMs = fs.statSync(keyPath).mtimeMs;
  const keyFile = JSON.parse(fs.readFileSync(keyPath, 'utf8')) as KeyFile;
  const newest = keyFile.keys[keyFile.keys.length - 1];
  if (newest === undefined) throw new Error('the signing key set is empty');

  const publicKeys = new Map<string, CryptoKey>();
  const jwks: JWK[] = [];
  for (const jwk of keyFile.keys) {
    const publicJwk = {
      kty: jwk.kty,
      crv: jwk.crv,
      x: jwk.x,
      y: jwk.y,
      kid: jwk.kid,
      alg: SIGNING_ALG,
      use: 'sig',
    };
    publicKeys.set(jwk.kid, (await importJWK(publicJwk, SIGNING_ALG)) as CryptoKey);
    jwks.push(publicJwk);
  }
  const retiredKeys = new Map<string, CryptoKey>();
  for (const jwk of keyFile.retired ?? []) {
    if (typeof jwk.kid !== 'string') continue;
    retiredKeys.set(
      jwk.kid,
      (await importJWK({ ...jwk, alg: SIGNING_ALG }, SIGNING_ALG)) as CryptoKey,
    );
  }
  const privateKey = (await importJWK({ ...newest, alg: SIGNING_ALG }, SIGNING_ALG)) as CryptoKey;
  return { mtimeMs, current: { kid: newest.kid, privateKey }, publicKeys, retiredKeys, jwks };
}

export async function newSigningJwk(): Promise<StoredKey & { created: string }> {
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: crypto.randomUUID(), created: new Date().toISOString() };
}

/**
 * Appends a new signing key. Keys replaced more than the longest token lifetime ago are dropped:
 * no live token can still need them. Their public parts move to `retired`, which verifies old
 * audit checkpoints and nothing else. The file is replaced atomically.
 */
export async function rotateSigningKeys(
  keyPath: string,
  now = Date.now(),
): Promise<{ kid: string; dropped: number }> {
  const keyFile = JSON.parse(fs.readFileSync(keyPath, 'utf8')) as KeyFile;
  const fresh = await newSigningJwk();
  const kept = keyFile.keys.filter((key, index) => {
    const successor = keyFile.keys[index + 1];
    if (successor === undefined) return true;
    const replacedAt = Date.parse(successor.created ?? '');
    return Number.isNaN(replacedAt) || now - replacedAt < RETIRED_KEY_GRACE_MS;
  });
  const dropped = keyFile.keys
    .filter((key) => !kept.includes(key))
    .map(({ kty, crv, x, y, kid }) => ({ kty, crv, x, y, kid }));
  const next: KeyFile = {
    keys: [...kept, fresh],
    retired: [...(keyFile.retired ?? []), ...dropped],
  };
  const temporary = `${keyPath}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(next, null, 2), { mode: 0o600 });
  fs.renameSync(temporary, keyPath);
  return { kid: fresh.kid, dropped: keyFile.keys.length - kept.length };
}
