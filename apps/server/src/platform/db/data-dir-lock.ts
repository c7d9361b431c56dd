import fs from 'node:fs';
import path from 'node:path';

export class DataDirBusyError extends Error {
  constructor(readonly holder: string, readonly pid: number) {
    super(
      `the embedded database in this data folder is in use by ${holder} (pid ${pid}). ` +
        'Stop it first, or run both against PostgreSQL by setting DATABASE_URL.',
    );
    this.name = 'DataDirBusyError';
  }
}

export interface DataDirLock {
  release(): void;
}

/**
 * PGlite is one process's database: two processes opening the same folder corrupt it. A lock
 * file names the holder; a second process is refused with a clear message. A lock left by a
 * process that no longer exists is taken over.
 */
export function acquireDataDirLock(dataDir: string, holder: string): DataDirLock {
  const file = path.join(dataDir, 'pglite.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify({ pid: process.pid, holder }), { flag: 'wx', mode: 0o600 });
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          fs.rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const current = readLock(file);
      if (current !== null && current.pid !== process.pid && isAlive(current.pid)) {
        throw new DataDirBusyError(current.holder, current.pid);
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error('could not take the data folder lock');
}

function readLock(file: string): { pid: number; holder: string } | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: unknown; holder?: unknown };
    if (typeof parsed.pid !== 'number') return null;
    return { pid: parsed.pid, holder: typeof parsed.holder === 'string' ? parsed.holder : 'another process' };
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
