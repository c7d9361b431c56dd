import fs from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type pg from 'pg';

/** Connection parameters that pg reads as TLS settings, and that would replace ours. */
const TLS_PARAMS = ['ssl', 'sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'uselibpqcompat'];

/**
 * pg's pool settings for DATABASE_URL. pg merges the parsed URL over the options it is given,
 * so an `ssl` option next to a URL with `sslmode` is silently replaced; and pg ignores libpq's
 * PGSSLROOTCERT. For `sslmode=verify-full` the TLS parameters are therefore taken out of the
 * URL and given as one `ssl` object: the configured CA (or the URL's sslrootcert, or Node's own
 * CAs), chain verification on, and Node's default check of the host name against the
 * certificate (pg passes the host; IP addresses are matched against IP SANs). Any other sslmode
 * is left to pg as written: production accepts only verify-full (config.ts).
 */
export function postgresPoolConfig(
  databaseUrl: string,
  caFile: string | null,
): Pick<pg.PoolConfig, 'connectionString' | 'ssl'> {
  const url = new URL(databaseUrl);
  if (url.searchParams.getAll('sslmode').at(-1) !== 'verify-full') {
    return { connectionString: databaseUrl };
  }
  const file = (name: string) => url.searchParams.get(name) ?? undefined;
  const caPath = caFile ?? file('sslrootcert');
  const certPath = file('sslcert');
  const keyPath = file('sslkey');
  const ssl: ConnectionOptions = {
    rejectUnauthorized: true,
    ...(caPath === undefined ? {} : { ca: fs.readFileSync(caPath, 'utf8') }),
    ...(certPath === undefined ? {} : { cert: fs.readFileSync(certPath, 'utf8') }),
    ...(keyPath === undefined ? {} : { key: fs.readFileSync(keyPath, 'utf8') }),
  };
  for (const name of TLS_PARAMS) url.searchParams.delete(name);
  return { connectionString: url.toString(), ssl };
}
