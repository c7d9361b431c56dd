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
  ping(): Promise<void>;
  close(): Promise<void>;
}
