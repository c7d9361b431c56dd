import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

const SECRET = 'Sup3r-S3cret-Pa55word';

/** A production environment that passes every rule; each test breaks one thing. */
const GOOD_PRODUCTION: Record<string, string> = {
  NODE_ENV: 'production',
  DATABASE_URL: `postgres://mediconnect:${SECRET}@db.internal:5432/mediconnect?sslmode=verify-full`,
  REDIS_URL: `rediss://default:${SECRET}@cache.internal:6379`,
  MEDICONNECT_ALLOWED_ORIGINS: 'https://app.mediconnect.example',
  MEDICONNECT_PUBLIC_URL: 'https://api.mediconnect.example',
  MEDICONNECT_KEY_PROVIDER: 'aws-kms',
  MEDICONNECT_KMS_KEY_ID: 'arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef',
  MEDICONNECT_KMS_REGION: 'ap-northeast-1',
  MEDICONNECT_SIGNING_KEYS_FILE: '/run/secrets/signing-keys.json',
  MEDICONNECT_DATA_DIR: '/var/lib/mediconnect',
  MEDICONNECT_OBJECT_STORE: 's3',
  MEDICONNECT_S3_BUCKET: 'mediconnect-files',
  MEDICONNECT_S3_QUARANTINE_BUCKET: 'mediconnect-quarantine',
  MEDICONNECT_S3_REGION: 'ap-northeast-1',
  MEDICONNECT_DB_APP_ROLE: 'mediconnect_app',
};

/** The refusal lines of loadConfig(env), or [] when it accepts the environment. */
function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    expect(error.message).not.toContain(SECRET);
    return error.problems;
  }
}

function productionWith(
  overrides: Record<string, string | undefined>,
): Record<string, string | undefined> {
  return { ...GOOD_PRODUCTION, ...overrides };
}

describe('production configuration', () => {
  it('accepts a complete, TLS-only configuration', () => {
    const config = loadConfig(GOOD_PRODUCTION);

    expect(config).toMatchObject({
      env: 'production',
      cookieSecure: true,
      keyProvider: 'aws-kms',
      demoSeed: false,
      allowedOrigins: ['https://app.mediconnect.example'],
      host: '0.0.0.0',
    });
  });

  it.each([
    {
      what: 'a plaintext DATABASE_URL',
      name: 'DATABASE_URL',
      env: { DATABASE_URL: `postgres://mediconnect:${SECRET}@db.internal:5432/mediconnect` },
    },
    {
      what: 'a DATABASE_URL that only asks for sslmode=require',
      name: 'DATABASE_URL',
      env: {
        DATABASE_URL: `postgres://mediconnect:${SECRET}@db.internal/mediconnect?sslmode=require`,
      },
    },
    {
      what: 'a DATABASE_URL whose later sslmode turns TLS off',
      name: 'DATABASE_URL',
      env: {
        DATABASE_URL: `postgres://mediconnect:${SECRET}@db.internal/mc?sslmode=verify-full&sslmode=disable`,
      },
    },
    { what: 'a missing DATABASE_URL', name: 'DATABASE_URL', env: { DATABASE_URL: undefined } },
    {
      what: 'requests served as the schema owner (no app role)',
      name: 'MEDICONNECT_DB_APP_ROLE',
      env: { MEDICONNECT_DB_APP_ROLE: undefined },
    },
    {
      what: 'redis:// instead of rediss://',
      name: 'REDIS_URL',
      env: { REDIS_URL: `redis://default:${SECRET}@cache.internal:6379` },
    },
    { what: 'a missing REDIS_URL', name: 'REDIS_URL', env: { REDIS_URL: undefined } },
    {
      what: 'no allowed origins',
      name: 'MEDICONNECT_ALLOWED_ORIGINS',
      env: { MEDICONNECT_ALLOWED_ORIGINS: undefined },
    },
    {
      what: 'allowed origins that are only commas',
      name: 'MEDICONNECT_ALLOWED_ORIGINS',
      env: { MEDICONNECT_ALLOWED_ORIGINS: ' , ' },
    },
    {
      what: 'a "*" origin',
      name: 'MEDICONNECT_ALLOWED_ORIGINS',
      env: { MEDICONNECT_ALLOWED_ORIGINS: 'https://app.mediconnect.example,*' },
    },
    {
      what: 'a plain-http origin',
      name: 'MEDICONNECT_ALLOWED_ORIGINS',
      env: { MEDICONNECT_ALLOWED_ORIGINS: 'http://app.mediconnect.example' },
    },
    {
      what: 'the local key provider',
      name: 'MEDICONNECT_KEY_PROVIDER',
      env: { MEDICONNECT_KEY_PROVIDER: 'local' },
    },
    {
      what: 'the key provider left to its default',
      name: 'MEDICONNECT_KEY_PROVIDER',
      env: { MEDICONNECT_KEY_PROVIDER: undefined },
    },
    {
      what: 'objects kept in a local folder',
      name: 'MEDICONNECT_OBJECT_STORE',
      env: { MEDICONNECT_OBJECT_STORE: undefined },
    },
    {
      what: 'quarantine sharing the bucket of downloadable files',
      name: 'MEDICONNECT_S3_QUARANTINE_BUCKET',
      env: { MEDICONNECT_S3_QUARANTINE_BUCKET: 'mediconnect-files' },
    },
    {
      what: 'an S3 endpoint over plain http',
      name: 'MEDICONNECT_S3_ENDPOINT',
      env: { MEDICONNECT_S3_ENDPOINT: 'http://s3.internal:9000' },
    },
    {
      what: 'aws-kms without a key id',
      name: 'MEDICONNECT_KMS_KEY_ID',
      env: { MEDICONNECT_KMS_KEY_ID: undefined },
    },
    {
      what: 'aws-kms without a region',
      name: 'MEDICONNECT_KMS_REGION',
      env: { MEDICONNECT_KMS_REGION: undefined },
    },
    {
      what: 'a plain-http KMS endpoint',
      name: 'MEDICONNECT_KMS_ENDPOINT',
      env: { MEDICONNECT_KMS_ENDPOINT: 'http://kms.internal:8080' },
    },
    {
      what: 'a TLS certificate without its key',
      name: 'MEDICONNECT_TLS_KEY_FILE',
      env: { MEDICONNECT_TLS_CERT_FILE: '/etc/hostname' },
    },
    {
      what: 'signing keys generated at start-up (no key file)',
      name: 'MEDICONNECT_SIGNING_KEYS_FILE',
      env: { MEDICONNECT_SIGNING_KEYS_FILE: undefined },
    },
    {
      what: 'cookies without Secure',
      name: 'MEDICONNECT_COOKIE_SECURE',
      env: { MEDICONNECT_COOKIE_SECURE: 'false' },
    },
    {
      what: 'a proxy without trusted proxies',
      name: 'MEDICONNECT_TRUSTED_PROXIES',
      env: { MEDICONNECT_BEHIND_PROXY: 'true' },
    },
  ])('refuses $what with one line naming $name', ({ name, env }) => {
    const problems = problemsOf(productionWith(env));

    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(name);
    expect(problems[0]).not.toContain('\n');
    expect(problems[0]).not.toContain(SECRET);
  });

  it('accepts a proxy when its addresses are configured', () => {
    const config = loadConfig(
      productionWith({
        MEDICONNECT_BEHIND_PROXY: 'true',
        MEDICONNECT_TRUSTED_PROXIES: '10.0.0.0/8',
      }),
    );

    expect(config.trustedProxies).toEqual(['10.0.0.0/8']);
  });

  it('reports every violation at once, one line each, and no value', () => {
    let caught: unknown;
    try {
      loadConfig({
        NODE_ENV: 'production',
        DATABASE_URL: `postgres://u:${SECRET}@db/x`,
        REDIS_URL: `redis://:${SECRET}@cache:6379`,
        MEDICONNECT_COOKIE_SECURE: 'false',
      });
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.problems.length).toBeGreaterThanOrEqual(6);
    expect(error.message.split('\n')).toHaveLength(error.problems.length + 1);
    expect(error.message).not.toContain(SECRET);
  });
});

describe('any environment', () => {
  it('reports a bad PORT by name without echoing it', () => {
    const problems = problemsOf({ NODE_ENV: 'test', PORT: '99999' });

    expect(problems).toEqual([expect.stringContaining('PORT') as string]);
    expect(problems[0]).not.toContain('99999');
  });

  it('reports a non-numeric PORT by name', () => {
    expect(problemsOf({ NODE_ENV: 'test', PORT: 'eighty' })).toEqual([
      expect.stringMatching(/^PORT /) as string,
    ]);
  });

  it('refuses a non-postgres DATABASE_URL without echoing its password', () => {
    const problems = problemsOf({ NODE_ENV: 'test', DATABASE_URL: `mysql://root:${SECRET}@db/x` });

    expect(problems).toEqual([expect.stringContaining('DATABASE_URL') as string]);
  });

  it('refuses "*" among the allowed origins even outside production', () => {
    expect(problemsOf({ NODE_ENV: 'development', MEDICONNECT_ALLOWED_ORIGINS: '*' })).toEqual([
      expect.stringContaining('MEDICONNECT_ALLOWED_ORIGINS') as string,
    ]);
  });

  it('refuses an origin with a path, which a browser never sends', () => {
    expect(
      problemsOf({
        NODE_ENV: 'development',
        MEDICONNECT_ALLOWED_ORIGINS: 'https://app.example/login',
      }),
    ).toEqual([expect.stringContaining('MEDICONNECT_ALLOWED_ORIGINS') as string]);
  });

  it('refuses an unknown NODE_ENV', () => {
    expect(problemsOf({ NODE_ENV: 'staging' })).toEqual([
      expect.stringContaining('NODE_ENV') as string,
    ]);
  });

  it('refuses an access-token lifetime outside 5 to 30 minutes', () => {
    expect(problemsOf({ NODE_ENV: 'test', MEDICONNECT_ACCESS_TOKEN_MINUTES: '1440' })).toEqual([
      expect.stringContaining('MEDICONNECT_ACCESS_TOKEN_MINUTES') as string,
    ]);
  });

  it('keeps cookies Secure unless told otherwise', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).cookieSecure).toBe(true);
  });

  it('listens on loopback only outside production', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).host).toBe('127.0.0.1');
  });
});

describe('TLS and KMS settings', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediconnect-config-'));
  const pem = path.join(dir, 'ca.pem');
  fs.writeFileSync(pem, '-----BEGIN CERTIFICATE-----\n');
  const missing = path.join(dir, `missing-${SECRET}.pem`);
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes the KMS region from AWS_REGION when MEDICONNECT_KMS_REGION is unset', () => {
    const config = loadConfig(
      productionWith({ MEDICONNECT_KMS_REGION: undefined, AWS_REGION: 'ap-northeast-3' }),
    );

    expect(config.kms).toEqual({
      keyId: GOOD_PRODUCTION.MEDICONNECT_KMS_KEY_ID,
      region: 'ap-northeast-3',
      endpoint: null,
    });
  });

  it('accepts an https KMS endpoint (a VPC endpoint) in production', () => {
    const endpoint = 'https://vpce-0abc.kms.ap-northeast-1.vpce.amazonaws.com';

    expect(loadConfig(productionWith({ MEDICONNECT_KMS_ENDPOINT: endpoint })).kms?.endpoint).toBe(
      endpoint,
    );
  });

  it('accepts a loopback http KMS endpoint outside production (tests)', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      MEDICONNECT_KEY_PROVIDER: 'aws-kms',
      MEDICONNECT_KMS_KEY_ID: 'alias/mediconnect',
      MEDICONNECT_KMS_REGION: 'ap-northeast-1',
      MEDICONNECT_KMS_ENDPOINT: 'http://127.0.0.1:4566',
    });

    expect(config.kms?.endpoint).toBe('http://127.0.0.1:4566');
  });

  it('takes the PostgreSQL CA from PGSSLROOTCERT, as libpq does', () => {
    expect(loadConfig(productionWith({ PGSSLROOTCERT: pem })).databaseCaFile).toBe(pem);
  });

  it('prefers MEDICONNECT_DATABASE_CA_FILE over PGSSLROOTCERT', () => {
    const config = loadConfig(
      productionWith({ PGSSLROOTCERT: missing, MEDICONNECT_DATABASE_CA_FILE: pem }),
    );

    expect(config.databaseCaFile).toBe(pem);
  });

  it.each(['MEDICONNECT_DATABASE_CA_FILE', 'PGSSLROOTCERT', 'MEDICONNECT_REDIS_CA_FILE'])(
    'reports an unreadable %s by name, without its path',
    (name) => {
      const problems = problemsOf(productionWith({ [name]: missing }));

      expect(problems).toEqual([`${name} must name a readable file`]);
    },
  );

  it('serves HTTPS when both the certificate and its key are readable', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      MEDICONNECT_TLS_CERT_FILE: pem,
      MEDICONNECT_TLS_KEY_FILE: pem,
    });

    expect(config.tls).toEqual({ certFile: pem, keyFile: pem });
  });

  it('refuses an unreadable TLS key file by name', () => {
    expect(
      problemsOf({
        NODE_ENV: 'test',
        MEDICONNECT_TLS_CERT_FILE: pem,
        MEDICONNECT_TLS_KEY_FILE: missing,
      }),
    ).toEqual(['MEDICONNECT_TLS_KEY_FILE must name a readable file']);
  });

  it('serves plain HTTP when neither TLS file is set', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).tls).toBeNull();
  });

  it('accepts rediss:// with a CA file in production', () => {
    const config = loadConfig(productionWith({ MEDICONNECT_REDIS_CA_FILE: pem }));

    expect(config.redisCaFile).toBe(pem);
    expect(config.redisUrl?.startsWith('rediss://')).toBe(true);
  });
});
