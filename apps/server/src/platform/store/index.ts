import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';
import type { Store } from './store.js';

export type { Store } from './store.js';

export async function openStore(
  redisUrl: string | null,
  prefix = 'mc:',
  caFile: string | null = null,
): Promise<Store> {
  return redisUrl === null ? new MemoryStore() : RedisStore.connect(redisUrl, prefix, caFile);
}
