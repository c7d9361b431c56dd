import type { Limiter, LimiterSpec } from './limiter.js';

/**
 * Shared short-lived state: token deny-list now; rate limits and signaling later. Redis in
 * production so every instance sees the same answers; in-process on one machine.
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
  ping(): Promise<void>;
  close(): Promise<void>;
}
