import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { exportJWK, importJWK, type CryptoKey, type JWK } from 'jose';

export const SIGNING_ALG = 'ES256';

export interface SigningKeys {
  readonly current: { kid: string; privateKey: CryptoKey };
  /** Public keys by kid: every key in the set keeps verifying until it is removed. */
  publicKey(kid: string): CryptoKey | undefined;
  readonly jwks: { keys: JWK[] };
  /** True when the key set was created by this start (refused in production). */
  readonly generated: boolean;
}

interface KeyFile {
  keys: (JWK & { kid: string; created?: string })[];
}

/**
 * Loads the private signing keys (a JWK set, newest last). Without an explicit file, a key set
 * is generated once into the data folder so restarts keep sessions valid; production refuses
 * that (see config).
 */
export async function loadSigningKeys(file: string | null, dataDir: string): Promise<SigningKeys> {
  let keyFile: KeyFile;
  let generated = false;
  if (file !== null) {
    keyFile = JSON.parse(fs.readFileSync(file, 'utf8')) as KeyFile;
  } else {
    const defaultFile = path.join(dataDir, 'keys', 'signing-keys.json');
    if (fs.existsSync(defaultFile)) {
      keyFile = JSON.parse(fs.readFileSync(defaultFile, 'utf8')) as KeyFile;
    } else {
      keyFile = { keys: [await newSigningJwk()] };
      fs.mkdirSync(path.dirname(defaultFile), { recursive: true, mode: 0o700 });
      fs.writeFileSync(defaultFile, JSON.stringify(keyFile, null, 2), { mode: 0o600, flag: 'wx' });
      generated = true;
    }
  }
  if (keyFile.keys.length === 0) throw new Error('the signing key set is empty');

  const publicKeys = new Map<string, CryptoKey>();
  const jwks: JWK[] = [];
  for (const jwk of keyFile.keys) {
    const { d: _private, ...publicJwk } = jwk;
    publicKeys.set(jwk.kid, (await importJWK({ ...publicJwk, alg: SIGNING_ALG }, SIGNING_ALG)) as CryptoKey);
    jwks.push({ kty: publicJwk.kty, crv: publicJwk.crv, x: publicJwk.x, y: publicJwk.y, kid: jwk.kid,
      alg: SIGNING_ALG, use: 'sig' });
  }
  const newest = keyFile.keys[keyFile.keys.length - 1];
  if (newest === undefined) throw new Error('the signing key set is empty');
  const privateKey = (await importJWK({ ...newest, alg: SIGNING_ALG }, SIGNING_ALG)) as CryptoKey;
  return {
    current: { kid: newest.kid, privateKey },
    publicKey: (kid) => publicKeys.get(kid),
    jwks: { keys: jwks },
    generated,
  };
}

export async function newSigningJwk(): Promise<JWK & { kid: string; created: string }> {
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: crypto.randomUUID(), created: new Date().toISOString() };
}
