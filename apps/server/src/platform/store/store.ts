import type { Limiter, LimiterSpec } from './limiter.js';

/** Called with each message published on a channel; must not throw. */
export type MessageHandler = (message: string) => void;
export type Unsubscribe = () => Promise<void>;

/**
 * Shared short-lived state: token deny-list, rate limits, signaling rooms and their fan-out.
 * Redis in production so every instance sees the same answers; in-process on one machine.
 */
export interface Store {
  readonly kind: 'memory' | 'redis';
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  get(key: string): Promise<string | null>;
  /** True when any of the keys exists: one round trip for several deny-list checks. */
  existsAny(keys: string[]): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Sets the key only if it is absent; true when this call set it (single-use tokens, replay). */
  setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  /** Reads and deletes in one step: a single-use value cannot be taken twice. */
  take(key: string): Promise<string | null>;
  limiter(spec: LimiterSpec): Limiter;
  /**
   * Sends a message to every current subscriber of the channel, in every instance: at most
   * once, in publishing order per publisher; nobody listening, nobody gets it (Redis pub/sub).
   */
  publish(channel: string, message: string): Promise<void>;
  /** Listens on a channel; resolves once messages published from then on will arrive. */
  subscribe(channel: string, onMessage: MessageHandler): Promise<Unsubscribe>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
