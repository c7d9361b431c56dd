import type { Readable } from 'node:stream';

/** What the scanner said about one object. */
export type ScanVerdict = { status: 'clean' } | { status: 'infected'; signature: string };

/**
 * A virus scanner. `scan` throws `ScannerUnavailableError` when it cannot give a verdict (no
 * daemon, timeout, protocol error): the caller keeps the file quarantined and tries later.
 */
export interface Scanner {
  readonly kind: 'clamd' | 'none';
  scan(content: Readable): Promise<ScanVerdict>;
  ping(): Promise<void>;
}

export class ScannerUnavailableError extends Error {
  constructor(reason: string) {
    super(`the virus scanner gave no verdict: ${reason}`);
    this.name = 'ScannerUnavailableError';
  }
}

/**
 * No scanner configured (SPEC §2: uploads then stay quarantined). It never says "clean": every
 * scan is unavailable, so nothing is released unscanned.
 */
export class NoScanner implements Scanner {
  readonly kind = 'none';

  scan(content: Readable): Promise<ScanVerdict> {
    content.destroy();
    return Promise.reject(new ScannerUnavailableError('no scanner is configured'));
  }

  ping(): Promise<void> {
    return Promise.reject(new ScannerUnavailableError('no scanner is configured'));
  }
}
