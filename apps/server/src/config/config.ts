import fs from 'node:fs';
import path from 'node:path';
import { readFilesConfig, type FilesConfig } from './files-config.js';
import { readObjectStoreConfig, type ObjectStoreConfig } from './object-store-config.js';
import { readSignalingConfig, type SignalingConfig } from './signaling-config.js';
import { readTurnConfig, type TurnConfig } from './turn-config.js';

/** Everything the server reads from its environment, read once at start-up. */
export interface Config {
  env: 'development' | 'test' | 'production';
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  databaseUrl: string | null;
  /** CA bundle (PEM file) that PostgreSQL's certificate must chain to; null = Node's own CAs. */
  databaseCaFile: string | null;
  redisUrl: string | null;
  /** CA bundle (PEM file) for rediss://; null = Node's own CAs. */
  redisCaFile: string | null;
  /** Namespace of every key in Redis: deployments (or test runs) sharing one Redis stay apart. */
  redisPrefix: string;
  allowedOrigins: string[];
  trustedProxies: string[];
  cookieSecure: boolean;
  keyProvider: 'local' | 'aws-kms';
  objects: ObjectStoreConfig;
  files: FilesConfig;
  /** Set when keyProvider is aws-kms. */
  kms: KmsConfig | null;
  /** HTTPS for the API itself; null = plain HTTP (TLS ends at a proxy or load balancer). */
  tls: { certFile: string; keyFile: string } | null;
  /** `start`: plaintext from before field encryption is encrypted at start; `command`: by
   *  `keys encrypt-legacy` (until then those values answer 500, never plaintext). */
  legacyEncryption: 'start' | 'command';
  turn: TurnConfig;
  signaling: SignalingConfig;
  /** Path to a JWK set of private signing keys; null = generated into the data folder (dev only). */
  signingKeysFile: string | null;
  accessTokenMinutes: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
  bodyLimitBytes: number;
  sessions: SessionLimits;
  rateLimits: RateLimits;
  webDistDir: string | null;
  demoSeed: boolean;
  audit: AuditSettings;
  /**
   * The PostgreSQL role the application's queries should run as: every tenant migration grants
   * it SELECT and INSERT on the audit tables and nothing more. Null: no grants are made.
   */
  databaseAppRole: string | null;
  /** Connections to PostgreSQL per instance. */
  databasePoolSize: number;
}

/** SPEC §8 (MOD-4): the audit chain's rhythm and how long events are kept. */
export interface AuditSettings {
  /** 医療法施行規則 / 療養担当規則: medical records are kept at least five years. */
  retentionYears: number;
  /** How long a missing sequence number may belong to a running transaction before it is a gap. */
  gapGraceMs: number;
  /** A signed checkpoint after this many chained positions… */
  checkpointEvery: number;
  /** …or after this long, whichever comes first. */
  checkpointIntervalMs: number;
  /** How often each instance's background chainer looks for new events. */
  chainIntervalMs: number;
}

/** AWS KMS (SPEC §2): the key that wraps every data key; credentials come from the SDK chain. */
export interface KmsConfig {
  keyId: string;
  region: string;
  /** A VPC endpoint or a test server; null = the SDK's regional endpoint. */
  endpoint: string | null;
}

/** SPEC §3: how long a session may last in all, and without use. */
export interface SessionLimits {
  staff: { absoluteMs: number; idleMs: number };
  patient: { absoluteMs: number; idleMs: number };
}

/** Attempts allowed per window (CRIT-5); account lockout comes on top of these. */
export interface RateLimits {
  loginPerIpPer10Min: number;
  mfaPerIpPer10Min: number;
  mfaPerAccountPer15Min: number;
  refreshPerIpPerMin: number;
  /** The first lockout after five failed logins; each further one doubles it. */
  lockoutSeconds: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Reads and validates the environment. Each bad variable is reported by name and rule,
 * never by value: a value may be a secret.
 */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };

  const nodeEnv = read('NODE_ENV') ?? 'development';
  if (!['development', 'test', 'production'].includes(nodeEnv)) {
    problems.push('NODE_ENV must be development, test or production');
  }
  const production = nodeEnv === 'production';

  const port = integer(read('PORT'), 8080, 0, 65535, 'PORT', problems);
  const host = read('HOST') ?? (production ? '0.0.0.0' : '127.0.0.1');
  const publicUrl = read('MEDICONNECT_PUBLIC_URL') ?? `http://localhost:${port}`;
  if (!isHttpUrl(publicUrl)) problems.push('MEDICONNECT_PUBLIC_URL must be an http(s) URL');

  const originsRaw = read('MEDICONNECT_ALLOWED_ORIGINS');
  const allowedOrigins = originsRaw
    ? originsRaw
        .split(',')
        .map((o) => o.trim())
        .filter((o) => o !== '')
    : production
      ? []
      : [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
  if (allowedOrigins.includes('*')) {
    problems.push('MEDICONNECT_ALLOWED_ORIGINS must list origins explicitly; "*" is never allowed');
  } else if (allowedOrigins.some((o) => !isOrigin(o))) {
    problems.push(
      'MEDICONNECT_ALLOWED_ORIGINS must be a comma-separated list of scheme://host[:port]',
    );
  }

  const databaseUrl = read('DATABASE_URL') ?? null;
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  const redisUrl = read('REDIS_URL') ?? null;
  if (redisUrl !== null && !/^rediss?:\/\//.test(redisUrl)) {
    problems.push('REDIS_URL must be a redis:// or rediss:// URL');
  }

  const databaseCaFile = readableFile(
    read('MEDICONNECT_DATABASE_CA_FILE') ?? read('PGSSLROOTCERT'),
    read('MEDICONNECT_DATABASE_CA_FILE') === undefined
      ? 'PGSSLROOTCERT'
      : 'MEDICONNECT_DATABASE_CA_FILE',
    problems,
  );
  const redisCaFile = readableFile(
    read('MEDICONNECT_REDIS_CA_FILE'),
    'MEDICONNECT_REDIS_CA_FILE',
    problems,
  );
  const tls = tlsFiles(read, problems);

  if (!/^[A-Za-z0-9:_-]{1,40}$/.test(read('MEDICONNECT_REDIS_PREFIX') ?? 'mc:')) {
    problems.push('MEDICONNECT_REDIS_PREFIX must be 1-40 characters of A-Z, a-z, 0-9, :, _ or -');
  }
  const cookieSecure = boolean(
    read('MEDICONNECT_COOKIE_SECURE'),
    true,
    'MEDICONNECT_COOKIE_SECURE',
    problems,
  );
  const keyProvider = read('MEDICONNECT_KEY_PROVIDER') ?? 'local';
  if (keyProvider !== 'local' && keyProvider !== 'aws-kms') {
    problems.push('MEDICONNECT_KEY_PROVIDER must be local or aws-kms');
  }
  const kms = keyProvider === 'aws-kms' ? kmsConfig(read, problems) : null;
  const legacyEncryption = read('MEDICONNECT_LEGACY_ENCRYPTION') ?? 'start';
  if (legacyEncryption !== 'start' && legacyEncryption !== 'command') {
    problems.push('MEDICONNECT_LEGACY_ENCRYPTION must be start or command');
  }
  const logLevel = read('LOG_LEVEL') ?? (nodeEnv === 'test' ? 'silent' : 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'silent'].includes(logLevel)) {
    problems.push('LOG_LEVEL must be one of fatal, error, warn, info, debug, silent');
  }

  const config: Config = {
    env: nodeEnv as Config['env'],
    port,
    host,
    publicUrl,
    dataDir: path.resolve(read('MEDICONNECT_DATA_DIR') ?? './data'),
    databaseUrl,
    databaseCaFile,
    redisUrl,
    redisCaFile,
    redisPrefix: read('MEDICONNECT_REDIS_PREFIX') ?? 'mc:',
    allowedOrigins,
    trustedProxies: (read('MEDICONNECT_TRUSTED_PROXIES') ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== ''),
    cookieSecure,
    keyProvider: keyProvider as Config['keyProvider'],
    objects: readObjectStoreConfig(read, production, problems),
    files: readFilesConfig(read, problems),
    kms,
    tls,
    legacyEncryption: legacyEncryption as Config['legacyEncryption'],
    turn: readTurnConfig(read, problems),
    signaling: readSignalingConfig(read, problems),
    signingKeysFile: read('MEDICONNECT_SIGNING_KEYS_FILE') ?? null,
    accessTokenMinutes: integer(
      read('MEDICONNECT_ACCESS_TOKEN_MINUTES'),
      15,
      5,
      30,
      'MEDICONNECT_ACCESS_TOKEN_MINUTES',
      problems,
    ),
    logLevel: logLevel as Config['logLevel'],
    bodyLimitBytes: integer(
      read('MEDICONNECT_BODY_LIMIT_BYTES'),
      1_048_576,
      1024,
      16_777_216,
      'MEDICONNECT_BODY_LIMIT_BYTES',
      problems,
    ),
    sessions: {
      staff: {
        idleMs:
          MINUTE_MS *
          integer(
            read('MEDICONNECT_STAFF_IDLE_MINUTES'),
            60,
            5,
            24 * 60,
            'MEDICONNECT_STAFF_IDLE_MINUTES',
            problems,
          ),
        absoluteMs:
          HOUR_MS *
          integer(
            read('MEDICONNECT_STAFF_ABSOLUTE_HOURS'),
            12,
            1,
            24,
            'MEDICONNECT_STAFF_ABSOLUTE_HOURS',
            problems,
          ),
      },
      patient: {
        idleMs:
          DAY_MS *
          integer(
            read('MEDICONNECT_PATIENT_IDLE_DAYS'),
            7,
            1,
            30,
            'MEDICONNECT_PATIENT_IDLE_DAYS',
            problems,
          ),
        absoluteMs:
          DAY_MS *
          integer(
            read('MEDICONNECT_PATIENT_ABSOLUTE_DAYS'),
            30,
            1,
            90,
            'MEDICONNECT_PATIENT_ABSOLUTE_DAYS',
            problems,
          ),
      },
    },
    rateLimits: {
      loginPerIpPer10Min: integer(
        read('MEDICONNECT_LOGIN_LIMIT_PER_IP'),
        100,
        1,
        1_000_000,
        'MEDICONNECT_LOGIN_LIMIT_PER_IP',
        problems,
      ),
      mfaPerIpPer10Min: integer(
        read('MEDICONNECT_MFA_LIMIT_PER_IP'),
        50,
        1,
        1_000_000,
        'MEDICONNECT_MFA_LIMIT_PER_IP',
        problems,
      ),
      mfaPerAccountPer15Min: integer(
        read('MEDICONNECT_MFA_LIMIT_PER_ACCOUNT'),
        10,
        1,
        1000,
        'MEDICONNECT_MFA_LIMIT_PER_ACCOUNT',
        problems,
      ),
      refreshPerIpPerMin: integer(
        read('MEDICONNECT_REFRESH_LIMIT_PER_IP'),
        300,
        1,
        1_000_000,
        'MEDICONNECT_REFRESH_LIMIT_PER_IP',
        problems,
      ),
      lockoutSeconds: integer(
        read('MEDICONNECT_LOCKOUT_SECONDS'),
        900,
        1,
        86_400,
        'MEDICONNECT_LOCKOUT_SECONDS',
        problems,
      ),
    },
    webDistDir: read('MEDICONNECT_WEB_DIST') ?? null,
    audit: {
      retentionYears: integer(
        read('MEDICONNECT_AUDIT_RETENTION_YEARS'),
        5,
        5,
        100,
        'MEDICONNECT_AUDIT_RETENTION_YEARS',
        problems,
      ),
      gapGraceMs:
        1000 *
        integer(
          read('MEDICONNECT_AUDIT_GAP_GRACE_SECONDS'),
          120,
          0,
          3600,
          'MEDICONNECT_AUDIT_GAP_GRACE_SECONDS',
          problems,
        ),
      checkpointEvery: integer(
        read('MEDICONNECT_AUDIT_CHECKPOINT_EVENTS'),
        1000,
        1,
        1_000_000,
        'MEDICONNECT_AUDIT_CHECKPOINT_EVENTS',
        problems,
      ),
      checkpointIntervalMs:
        MINUTE_MS *
        integer(
          read('MEDICONNECT_AUDIT_CHECKPOINT_MINUTES'),
          10,
          1,
          24 * 60,
          'MEDICONNECT_AUDIT_CHECKPOINT_MINUTES',
          problems,
        ),
      chainIntervalMs: integer(
        read('MEDICONNECT_AUDIT_CHAIN_INTERVAL_MS'),
        1000,
        50,
        60_000,
        'MEDICONNECT_AUDIT_CHAIN_INTERVAL_MS',
        problems,
      ),
    },
    databaseAppRole: read('MEDICONNECT_DB_APP_ROLE') ?? null,
    databasePoolSize: integer(
      read('MEDICONNECT_DB_POOL_SIZE'),
      20,
      2,
      200,
      'MEDICONNECT_DB_POOL_SIZE',
      problems,
    ),
    demoSeed: boolean(read('MEDICONNECT_DEMO'), !production, 'MEDICONNECT_DEMO', problems),
  };

  if (config.databaseAppRole !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(config.databaseAppRole)) {
    problems.push('MEDICONNECT_DB_APP_ROLE must be a lower-case PostgreSQL role name');
  }
  if (production) problems.push(...productionRefusals(config, env));
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** SPEC §2: settings that are fine on a laptop and unacceptable with patient data. */
function productionRefusals(config: Config, env: Env): string[] {
  const refusals: string[] = [];
  if (config.databaseUrl === null) {
    refusals.push(
      'DATABASE_URL is required in production (the embedded database is for one machine)',
    );
  } else if (!verifiesTls(config.databaseUrl)) {
    refusals.push('DATABASE_URL must use TLS with sslmode=verify-full in production');
  }
  if (config.redisUrl === null) {
    refusals.push('REDIS_URL is required in production (the in-process store does not scale out)');
  } else if (!config.redisUrl.startsWith('rediss://')) {
    refusals.push('REDIS_URL must use TLS (rediss://) in production');
  }
  if (config.allowedOrigins.length === 0) {
    refusals.push('MEDICONNECT_ALLOWED_ORIGINS must list at least one origin in production');
  }
  if (config.allowedOrigins.some((o) => o.startsWith('http://'))) {
    refusals.push('MEDICONNECT_ALLOWED_ORIGINS must be https origins in production');
  }
  if (config.keyProvider === 'local') {
    refusals.push(
      'MEDICONNECT_KEY_PROVIDER=local keeps the key-encryption key on disk; use aws-kms in production',
    );
  }
  if (config.kms?.endpoint?.startsWith('https://') === false) {
    refusals.push('MEDICONNECT_KMS_ENDPOINT must be an https URL in production');
  }
  if (config.signingKeysFile === null) {
    refusals.push(
      'MEDICONNECT_SIGNING_KEYS_FILE is required in production (generated signing keys are refused)',
    );
  }
  if (!config.cookieSecure) {
    refusals.push('MEDICONNECT_COOKIE_SECURE=false is refused in production');
  }
  if (env.MEDICONNECT_BEHIND_PROXY === 'true' && config.trustedProxies.length === 0) {
    refusals.push('MEDICONNECT_TRUSTED_PROXIES is required when MEDICONNECT_BEHIND_PROXY=true');
  }
  return refusals;
}

/** pg obeys the last sslmode in the URL, so every sslmode given must be verify-full. */
function verifiesTls(databaseUrl: string): boolean {
  try {
    const modes = new URL(databaseUrl).searchParams.getAll('sslmode');
    return modes.length > 0 && modes.every((mode) => mode === 'verify-full');
  } catch {
    return false;
  }
}

function kmsConfig(read: (name: string) => string | undefined, problems: string[]): KmsConfig {
  const keyId = read('MEDICONNECT_KMS_KEY_ID');
  if (keyId === undefined) {
    problems.push('MEDICONNECT_KMS_KEY_ID is required with MEDICONNECT_KEY_PROVIDER=aws-kms');
  } else if (!/^[A-Za-z0-9:/_-]{1,2048}$/.test(keyId)) {
    problems.push('MEDICONNECT_KMS_KEY_ID must be a KMS key id, key ARN, alias name or alias ARN');
  }
  const region = read('MEDICONNECT_KMS_REGION') ?? read('AWS_REGION');
  if (region === undefined) {
    problems.push(
      'MEDICONNECT_KMS_REGION (or AWS_REGION) is required with MEDICONNECT_KEY_PROVIDER=aws-kms',
    );
  } else if (!/^[a-z0-9-]{1,32}$/.test(region)) {
    problems.push('MEDICONNECT_KMS_REGION must be an AWS region name such as ap-northeast-1');
  }
  const endpoint = read('MEDICONNECT_KMS_ENDPOINT') ?? null;
  if (endpoint !== null && !isHttpUrl(endpoint)) {
    problems.push('MEDICONNECT_KMS_ENDPOINT must be an http(s) URL');
  }
  return { keyId: keyId ?? '', region: region ?? '', endpoint };
}

/** Both files or neither: half a TLS configuration is a mistake, not a choice. */
function tlsFiles(read: (name: string) => string | undefined, problems: string[]): Config['tls'] {
  const cert = read('MEDICONNECT_TLS_CERT_FILE');
  const key = read('MEDICONNECT_TLS_KEY_FILE');
  if (cert === undefined && key === undefined) return null;
  if (cert === undefined || key === undefined) {
    problems.push('MEDICONNECT_TLS_CERT_FILE and MEDICONNECT_TLS_KEY_FILE must be set together');
    return null;
  }
  const certFile = readableFile(cert, 'MEDICONNECT_TLS_CERT_FILE', problems);
  const keyFile = readableFile(key, 'MEDICONNECT_TLS_KEY_FILE', problems);
  return certFile === null || keyFile === null ? null : { certFile, keyFile };
}

/** The path, if it names a readable file; reported by variable name only. */
function readableFile(file: string | undefined, name: string, problems: string[]): string | null {
  if (file === undefined) return null;
  try {
    fs.accessSync(file, fs.constants.R_OK);
    if (!fs.statSync(file).isFile()) throw new Error('not a file');
    return path.resolve(file);
  } catch {
    problems.push(`${name} must name a readable file`);
    return null;
  }
}

function integer(
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
  name: string,
  problems: string[],
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name} must be an integer from ${min} to ${max}`);
    return fallback;
  }
  return value;
}

function boolean(
  raw: string | undefined,
  fallback: boolean,
  name: string,
  problems: string[],
): boolean {
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  problems.push(`${name} must be true or false`);
  return fallback;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function isOrigin(value: string): boolean {
  return isHttpUrl(value) && new URL(value).origin === value;
}
