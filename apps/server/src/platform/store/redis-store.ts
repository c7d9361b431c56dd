import fs from 'node:fs';
import net from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Redis } from 'ioredis';
import { redisLimiter, type Limiter, type LimiterSpec } from './limiter.js';
import type { Store } from './store.js';

export class RedisStore implements Store {
  readonly kind = 'redis';

  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  static async connect(
    url: string,
    prefix = 'mc:',
    caFile: string | null = null,
  ): Promise<RedisStore> {
    const redis = new Redis(url, {
      ...(url.startsWith('rediss://') ? { tls: redisTls(url, caFile) } : {}),
      lazyConnect: true,
      maxRetriesPerRequest: 2,
      enableOfflineQueue: false,
    });
    // ioredis reconnects by itself; without a listener every outage is an "Unhandled error
    // event". /readyz reports the outage, and the limiters fall back to their insurance.
    let lastError: unknown = null;
    redis.on('error', (error: unknown) => {
      lastError = error;
    });
    try {
      await redis.connect();
    } catch (error) {
      // Stop the reconnect loop, and name the cause (a refused certificate, say), not only
      // ioredis's "Connection is closed".
      redis.disconnect();
      throw lastError ?? error;
    }
    return new RedisStore(redis, prefix);
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.prefix + key, value, 'EX', Math.max(1, Math.ceil(ttlSeconds)));
  }

  get(key: string): Promise<string | null> {
    return this.redis.get(this.prefix + key);
  }

  async existsAny(keys: string[]): Promise<boolean> {
    if (keys.length === 0) return false;
    return (await this.redis.exists(...keys.map((k) => this.prefix + k))) > 0;
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    const result = await this.redis.set(
      this.prefix + key,
      value,
      'EX',
      Math.max(1, Math.ceil(ttlSeconds)),
      'NX',
    );
    return result === 'OK';
  }

  take(key: string): Promise<string | null> {
    return this.redis.getdel(this.prefix + key);
  }

  limiter(spec: LimiterSpec): Limiter {
    return redisLimiter(this.redis, this.prefix, spec);
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}

/**
 * rediss:// (SPEC §2, SIG-1): the chain must verify (to the configured CA, or Node's own) and
 * the certificate must name the host, as for any TLS client; SNI only for host names (RFC 6066).
 */
export function redisTls(url: string, caFile: string | null): ConnectionOptions {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    rejectUnauthorized: true,
    ...(net.isIP(host) === 0 ? { servername: host } : {}),
    ...(caFile === null ? {} : { ca: fs.readFileSync(caFile, 'utf8') }),
  };
}
