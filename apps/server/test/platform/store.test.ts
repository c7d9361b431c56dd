import crypto from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { MemoryStore } from '../../src/platform/store/memory-store.js';
import { RedisStore } from '../../src/platform/store/redis-store.js';
import type { Store } from '../../src/platform/store/store.js';

// The Redis half always runs: Redis listens on loopback locally and in CI.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A fresh key prefix per store, so tests (and parallel runs) never see each other's keys. */
function prefix(): string {
  return `mc-test:${crypto.randomBytes(6).toString('hex')}:`;
}

/** Collects what a subscription hears, and waits until it has heard enough. */
function listener() {
  const heard: string[] = [];
  return {
    heard,
    onMessage: (message: string) => {
      heard.push(message);
    },
    async until(count: number, ms = 3_000): Promise<string[]> {
      const deadline = Date.now() + ms;
      while (heard.length < count && Date.now() < deadline) await sleep(5);
      return heard;
    },
  };
}

const adapters: { name: string; open: (prefix: string) => Promise<Store> }[] = [
  { name: 'MemoryStore', open: () => Promise.resolve(new MemoryStore()) },
  { name: 'RedisStore', open: (p) => RedisStore.connect(REDIS_URL, p) },
];

describe.each(adapters)('$name', ({ name, open }) => {
  /** Opens a store whose closing is tied to the test. */
  async function store(keyPrefix = prefix()): Promise<Store> {
    const opened = await open(keyPrefix);
    onTestFinished(() => opened.close());
    return opened;
  }

  it('says what it is', async () => {
    const s = await store();

    expect(s.kind).toBe(name === 'MemoryStore' ? 'memory' : 'redis');
    await expect(s.ping()).resolves.toBeUndefined();
  });

  it('returns what was set, and null for a key never set', async () => {
    const s = await store();

    await s.set('deny:jti:a', 'one', 60);

    expect(await s.get('deny:jti:a')).toBe('one');
    expect(await s.get('deny:jti:b')).toBeNull();
  });

  it('replaces a value that is set again', async () => {
    const s = await store();
    await s.set('k', 'first', 60);

    await s.set('k', 'second', 60);

    expect(await s.get('k')).toBe('second');
  });

  it('keeps keys with separators and non-ASCII characters apart', async () => {
    const s = await store();

    await s.set('deny:sid:患者/1 a', 'x', 60);

    expect(await s.get('deny:sid:患者/1 a')).toBe('x');
    expect(await s.get('deny:sid:患者/1')).toBeNull();
  });

  it('forgets a value once its time to live has passed, for get and existsAny', async () => {
    const s = await store();
    await s.set('short', 'v', 1);
    await s.set('long', 'v', 60);

    expect(await s.get('short')).toBe('v');
    await sleep(1_200);

    expect(await s.get('short')).toBeNull();
    expect(await s.existsAny(['short'])).toBe(false);
    expect(await s.get('long')).toBe('v');
  });

  it('tells whether any of several keys exists', async () => {
    const s = await store();
    await s.set('deny:sid:s1', '1', 60);

    expect(await s.existsAny(['deny:jti:j1', 'deny:sid:s1'])).toBe(true);
    expect(await s.existsAny(['deny:jti:j1', 'deny:sid:s2'])).toBe(false);
    expect(await s.existsAny([])).toBe(false);
  });

  it('deletes a key, and deleting a missing key is harmless', async () => {
    const s = await store();
    await s.set('k', 'v', 60);

    await s.delete('k');
    await s.delete('never-set');

    expect(await s.get('k')).toBeNull();
    expect(await s.existsAny(['k'])).toBe(false);
  });

  it('sets a key only when it is absent', async () => {
    const s = await store();

    const first = await s.setIfAbsent('once', 'a', 60);
    const second = await s.setIfAbsent('once', 'b', 60);

    expect([first, second]).toEqual([true, false]);
    expect(await s.get('once')).toBe('a');
  });

  it('lets exactly one of many simultaneous setIfAbsent calls win', async () => {
    const s = await store();

    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => s.setIfAbsent('race', String(i), 60)),
    );

    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('takes a value once: the second take finds nothing', async () => {
    const s = await store();
    await s.set('code', 'v', 60);

    const first = await s.take('code');
    const second = await s.take('code');

    expect([first, second]).toEqual(['v', null]);
  });

  it('hands a value to exactly one of many simultaneous takers', async () => {
    const s = await store();
    await s.set('code', 'v', 60);

    const results = await Promise.all(Array.from({ length: 10 }, () => s.take('code')));

    expect(results.filter((r) => r !== null)).toEqual(['v']);
  });

  it('delivers a published message to every subscriber of its channel, and to no other', async () => {
    const s = await store();
    const first = listener();
    const second = listener();
    const elsewhere = listener();
    await s.subscribe('room:a', first.onMessage);
    await s.subscribe('room:a', second.onMessage);
    await s.subscribe('room:b', elsewhere.onMessage);

    await s.publish('room:a', 'offer');

    expect(await first.until(1)).toEqual(['offer']);
    expect(await second.until(1)).toEqual(['offer']);
    await sleep(50);
    expect(elsewhere.heard).toEqual([]);
  });

  it('keeps the order in which messages were published', async () => {
    const s = await store();
    const heard = listener();
    await s.subscribe('room', heard.onMessage);
    const sent = Array.from({ length: 50 }, (_, i) => `m${String(i)}`);

    for (const message of sent) await s.publish('room', message);

    expect(await heard.until(sent.length)).toEqual(sent);
  });

  it('stops delivering to a subscription once it is ended, and only to that one', async () => {
    const s = await store();
    const leaving = listener();
    const staying = listener();
    const unsubscribe = await s.subscribe('room', leaving.onMessage);
    await s.subscribe('room', staying.onMessage);

    await unsubscribe();
    await s.publish('room', 'after');

    expect(await staying.until(1)).toEqual(['after']);
    expect(leaving.heard).toEqual([]);
  });

  it('keeps no history: a subscriber hears only what is published after it subscribed', async () => {
    const s = await store();
    await s.publish('room', 'before');
    const heard = listener();

    await s.subscribe('room', heard.onMessage);
    await s.publish('room', 'after');

    expect(await heard.until(1)).toEqual(['after']);
    await sleep(50);
    expect(heard.heard).toEqual(['after']);
  });

  it('subscribes to a channel again after its last subscription ended', async () => {
    const s = await store();
    const first = listener();
    const again = listener();
    await (
      await s.subscribe('room', first.onMessage)
    )();

    await s.subscribe('room', again.onMessage);
    await s.publish('room', 'back');

    expect(await again.until(1)).toEqual(['back']);
    expect(first.heard).toEqual([]);
  });
});

describe('RedisStore across instances', () => {
  async function connect(keyPrefix: string): Promise<Store> {
    const s = await RedisStore.connect(REDIS_URL, keyPrefix);
    onTestFinished(() => s.close());
    return s;
  }

  it('shares keys between two connections with the same prefix (a deny-list every instance sees)', async () => {
    const shared = prefix();
    const instanceA = await connect(shared);
    const instanceB = await connect(shared);

    await instanceA.set('deny:jti:x', '1', 60);

    expect(await instanceB.existsAny(['deny:jti:x'])).toBe(true);
  });

  it('keeps keys under different prefixes apart', async () => {
    const mine = await connect(prefix());
    const theirs = await connect(prefix());

    await mine.set('deny:jti:x', '1', 60);

    expect(await theirs.get('deny:jti:x')).toBeNull();
    expect(await theirs.existsAny(['deny:jti:x'])).toBe(false);
  });

  it('carries a message published by one instance to the subscriber of another', async () => {
    const shared = prefix();
    const publisher = await connect(shared);
    const subscriber = await connect(shared);
    const heard = listener();
    await subscriber.subscribe('signal:t:r', heard.onMessage);

    await publisher.publish('signal:t:r', 'hello');

    expect(await heard.until(1)).toEqual(['hello']);
  });

  it('keeps channels under different prefixes apart', async () => {
    const mine = await connect(prefix());
    const theirs = await connect(prefix());
    const heard = listener();
    await theirs.subscribe('signal:t:r', heard.onMessage);

    await mine.publish('signal:t:r', 'not for them');
    await sleep(100);

    expect(heard.heard).toEqual([]);
  });

  it('subscribes again by itself after its subscriber connection is cut', async () => {
    const shared = prefix();
    const publisher = await connect(shared);
    const subscriber = await connect(shared);
    const heard = listener();
    await subscriber.subscribe('room', heard.onMessage);
    await publisher.publish('room', 'before');
    await heard.until(1);

    await killConnection(`${shared}subscriber`);
    const deadline = Date.now() + 10_000;
    while (heard.heard.length < 2 && Date.now() < deadline) {
      await publisher.publish('room', 'after');
      await sleep(100);
    }

    expect(heard.heard[0]).toBe('before');
    expect(heard.heard.slice(1)).toContain('after');
  });
});

/** Cuts this test's own connection (found by its name) the way a network failure would. */
async function killConnection(name: string): Promise<void> {
  const admin = new Redis(REDIS_URL, { lazyConnect: true });
  try {
    await admin.connect();
    const clients = String(await admin.call('CLIENT', 'LIST'));
    const line = clients.split('\n').find((l) => l.includes(` name=${name} `));
    const id = /(?:^| )id=(\d+)/.exec(line ?? '')?.[1];
    if (id === undefined) throw new Error(`no connection named ${name}`);
    await admin.call('CLIENT', 'KILL', 'ID', id);
  } finally {
    admin.disconnect();
  }
}
