import fs from 'node:fs';
import net from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Redis } from 'ioredis';
import { redisLimiter, type Limiter, type LimiterSpec } from './limiter.js';
import type { MessageHandler, Store, Unsubscribe } from './store.js';

/** A channel this instance listens on: its local handlers, and the SUBSCRIBE they wait for. */
interface Channel {
  handlers: Set<MessageHandler>;
  ready: Promise<void>;
}

export class RedisStore implements Store {
  readonly kind = 'redis';
  /** A connection in subscriber mode takes no other commands: pub/sub gets its own. */
  private subscriber: Redis | null = null;
  private subscriberReady: Promise<Redis> | null = null;
  private readonly channels = new Map<string, Channel>();

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

  async publish(channel: string, message: string): Promise<void> {
    await this.redis.publish(this.prefix + channel, message);
  }

  async subscribe(channel: string, onMessage: MessageHandler): Promise<Unsubscribe> {
    const key = this.prefix + channel;
    const handler: MessageHandler = (message) => {
      onMessage(message);
    };
    let entry = this.channels.get(key);
    if (entry === undefined) {
      entry = {
        handlers: new Set(),
        ready: this.subscriberConnection().then(async (subscriber) => {
          await subscriber.subscribe(key);
        }),
      };
      this.channels.set(key, entry);
    }
    const joined = entry;
    joined.handlers.add(handler);
    try {
      await joined.ready;
    } catch (error) {
      await this.forget(key, joined, handler);
      throw error;
    }
    return async () => {
      await this.forget(key, joined, handler);
    };
  }

  /** Drops one handler; the last one of a channel unsubscribes the connection from it. */
  private async forget(key: string, entry: Channel, handler: MessageHandler): Promise<void> {
    entry.handlers.delete(handler);
    if (entry.handlers.size > 0 || this.channels.get(key) !== entry) return;
    this.channels.delete(key);
    try {
      await this.subscriber?.unsubscribe(key);
    } catch {
      // Redis is away: the channel is already out of the map, so the resubscription after the
      // reconnect leaves it out, and a stray message for it finds no handler.
    }
  }

  /**
   * The subscriber connection, opened at the first subscription: a duplicate of the command
   * connection (same URL and TLS options). After a reconnect it subscribes again to every
   * channel that still has handlers; messages published while it was away are lost.
   */
  private subscriberConnection(): Promise<Redis> {
    this.subscriberReady ??= (async () => {
      const subscriber = this.redis.duplicate({
        connectionName: `${this.prefix}subscriber`,
        autoResubscribe: false,
        lazyConnect: true,
      });
      subscriber.on('error', () => {
        // Reconnects by itself (see connect); /readyz reports the outage through the command
        // connection.
      });
      subscriber.on('message', (channel: string, message: string) => {
        for (const handler of this.channels.get(channel)?.handlers ?? []) handler(message);
      });
      try {
        await subscriber.connect();
      } catch (error) {
        subscriber.disconnect();
        this.subscriberReady = null;
        throw error;
      }
      subscriber.on('ready', () => {
        const keys = [...this.channels.keys()];
        if (keys.length > 0) subscriber.subscribe(...keys).catch(() => undefined);
      });
      this.subscriber = subscriber;
      return subscriber;
    })();
    return this.subscriberReady;
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    this.channels.clear();
    this.subscriber?.disconnect();
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
