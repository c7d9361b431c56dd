import fs from 'node:fs';
import path from 'node:path';

export class DataDirBusyError extends Error {
  constructor(
    readonly holder: string,
    readonly pid: number,
  ) {
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

/** Lock files this process holds right now. */
const heldHere = new Set<string>();

/**
 * PGlite is one process's database: two processes opening the same folder corrupt it. A lock
 * file names the holder; a second process is refused with a clear message. A lock left by a
 * process that no longer exists is taken over.
 */
export function acquireDataDirLock(dataDir: string, holder: string): DataDirLock {
  const file = path.resolve(dataDir, 'pglite.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify({ pid: process.pid, holder }), {
        flag: 'wx',
        mode: 0o600,
      });
      heldHere.add(file);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          heldHere.delete(file);
          fs.rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const current = readLock(file);
      // A lock with our own pid is stale (a container restarts with the same pid) unless this
      // process really holds it: then a second open in this process is refused like any other.
      if (
        current !== null &&
        (current.pid === process.pid ? heldHere.has(file) : isAlive(current.pid))
      ) {
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
    return {
      pid: parsed.pid,
      holder: typeof parsed.holder === 'string' ? parsed.holder : 'another process',
    };
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
