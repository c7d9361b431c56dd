import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';

export interface LimiterSpec {
  /** Unique per limiter: keys of different limiters never collide. */
  name: string;
  points: number;
  durationSeconds: number;
}

export type LimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** A counter per key over a window, shared by every instance when the store is Redis. */
export interface Limiter {
  consume(key: string, points?: number): Promise<LimitDecision>;
  /** How many points the key has spent in its window (0 when none). */
  spent(key: string): Promise<number>;
  /** Refuses the key for `seconds`, whatever its count. */
  block(key: string, seconds: number): Promise<void>;
  /** Seconds until a blocked key is allowed again; 0 when it is not blocked. */
  blockedFor(key: string): Promise<number>;
  reset(key: string): Promise<void>;
}

export function memoryLimiter(spec: LimiterSpec): Limiter {
  return wrap(new RateLimiterMemory(options(spec)), spec);
}

/**
 * Redis-backed, with an in-memory insurance limiter: when Redis is unreachable each instance
 * keeps limiting on its own rather than letting every attempt through.
 */
export function redisLimiter(redis: Redis, prefix: string, spec: LimiterSpec): Limiter {
  const limiter = new RateLimiterRedis({
    ...options(spec),
    keyPrefix: `${prefix}rl:${spec.name}`,
    storeClient: redis,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory(options(spec)),
  });
  return wrap(limiter, spec);
}

function options(spec: LimiterSpec) {
  return { keyPrefix: spec.name, points: spec.points, duration: spec.durationSeconds };
}

function wrap(limiter: RateLimiterAbstract, spec: LimiterSpec): Limiter {
  return {
    async consume(key, points = 1) {
      try {
        await limiter.consume(key, points);
        return { allowed: true };
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          return {
            allowed: false,
            retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)),
          };
        }
        throw rejection;
      }
    },
    async spent(key) {
      const state = await limiter.get(key);
      return state?.consumedPoints ?? 0;
    },
    async block(key, seconds) {
      await limiter.block(key, seconds);
    },
    async blockedFor(key) {
      const state = await limiter.get(key);
      if (state === null || state.consumedPoints <= spec.points) return 0;
      return Math.max(1, Math.ceil(state.msBeforeNext / 1000));
    },
    async reset(key) {
      await limiter.delete(key);
    },
  };
}
