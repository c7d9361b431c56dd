import { memoryLimiter, type Limiter, type LimiterSpec } from './limiter.js';
import type { MessageHandler, Store, Unsubscribe } from './store.js';

/** The in-process store: one instance only, lost on restart, expired keys swept lazily. */
export class MemoryStore implements Store {
  readonly kind = 'memory';
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  private readonly channels = new Map<string, Set<MessageHandler>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => {
      this.sweep();
    }, 60_000);
    this.sweeper.unref();
  }

  set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
    return Promise.resolve();
  }

  get(key: string): Promise<string | null> {
    return Promise.resolve(this.live(key));
  }

  async existsAny(keys: string[]): Promise<boolean> {
    for (const key of keys) if ((await this.get(key)) !== null) return true;
    return false;
  }

  delete(key: string): Promise<void> {
    this.entries.delete(key);
    return Promise.resolve();
  }

  // Check and write with no await between them: an await would let a concurrent caller in, and
  // two callers could both win (a single-use value used twice).
  setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean> {
    if (this.live(key) !== null) return Promise.resolve(false);
    this.entries.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
    return Promise.resolve(true);
  }

  take(key: string): Promise<string | null> {
    const value = this.live(key);
    this.entries.delete(key);
    return Promise.resolve(value);
  }

  limiter(spec: LimiterSpec): Limiter {
    return memoryLimiter(spec);
  }

  // Delivered on a later microtask, as Redis would deliver later: a publisher never runs its
  // subscribers' code in the middle of its own; microtasks keep the publishing order.
  publish(channel: string, message: string): Promise<void> {
    const handlers = this.channels.get(channel);
    for (const handler of handlers ?? []) {
      queueMicrotask(() => {
        // Unsubscribed meanwhile: gone, as with Redis once UNSUBSCRIBE is answered.
        if (handlers?.has(handler) === true) handler(message);
      });
    }
    return Promise.resolve();
  }

  subscribe(channel: string, onMessage: MessageHandler): Promise<Unsubscribe> {
    // A handler of its own: the same function subscribed twice is two subscriptions.
    const handler: MessageHandler = (message) => {
      onMessage(message);
    };
    const handlers = this.channels.get(channel) ?? new Set<MessageHandler>();
    handlers.add(handler);
    this.channels.set(channel, handlers);
    return Promise.resolve(() => {
      handlers.delete(handler);
      if (handlers.size === 0 && this.channels.get(channel) === handlers) {
        this.channels.delete(channel);
      }
      return Promise.resolve();
    });
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    clearInterval(this.sweeper);
    this.entries.clear();
    this.channels.clear();
    return Promise.resolve();
  }

  /** The value if the key exists and has not expired; synchronous, so callers can be atomic. */
  private live(key: string): string | null {
    const entry = this.entries.get(key);
    if (entry === undefined) return null;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return null;
    }
    return entry.value;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
