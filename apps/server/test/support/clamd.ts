import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClamdScanner } from '../../src/platform/scanner/clamd-scanner.js';

/** The standard EICAR anti-virus test file (https://www.eicar.org/download-anti-malware-testfile/). */
export const EICAR = String.raw`X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`;

const CLAMD = ['/usr/sbin/clamd', '/usr/bin/clamd'].find((file) => fs.existsSync(file));

/**
 * Whether clamd can run here. CI installs Debian's clamav-daemon and must run these tests; on a
 * developer machine without it they are skipped, and say so.
 */
export const clamdAvailable = CLAMD !== undefined;
if (!clamdAvailable && process.env.CI === 'true') {
  throw new Error('clamd is not installed: .ci/run installs clamav-daemon before the tests');
}

export interface RunningClamd {
  socketPath: string;
  scanner(options?: { timeoutMs?: number; maxBytes?: number }): ClamdScanner;
  stop(): Promise<void>;
}

/**
 * Starts clamd on a Unix socket in a temporary folder, with a signature database written here:
 * one body signature matching the EICAR string anywhere in a file (so also inside a PDF). No
 * signatures are downloaded; nothing listens on the network.
 */
export async function startClamd(): Promise<RunningClamd> {
  if (CLAMD === undefined) throw new Error('clamd is not installed');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mediconnect-clamd-'));
  const db = path.join(dir, 'db');
  fs.mkdirSync(db);
  const hex = Buffer.from(EICAR).toString('hex');
  fs.writeFileSync(path.join(db, 'mediconnect-test.ndb'), `MediConnect.Test.EICAR:0:*:${hex}\n`);
  const socketPath = path.join(dir, 'clamd.sock');
  const conf = path.join(dir, 'clamd.conf');
  fs.writeFileSync(
    conf,
    [
      `LocalSocket ${socketPath}`,
      `DatabaseDirectory ${db}`,
      'Foreground yes',
      `LogFile ${path.join(dir, 'clamd.log')}`,
      'StreamMaxLength 25M',
      'MaxThreads 4',
      'ReadTimeout 10',
      'CommandReadTimeout 10',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(CLAMD, ['-c', conf], { stdio: 'ignore' });
  const scanner = (options: { timeoutMs?: number; maxBytes?: number } = {}) =>
    new ClamdScanner(
      { path: socketPath },
      { timeoutMs: options.timeoutMs ?? 10_000, maxBytes: options.maxBytes ?? 20 * 1024 * 1024 },
    );
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await scanner({ timeoutMs: 1000 }).ping();
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        const log = fs.existsSync(path.join(dir, 'clamd.log'))
          ? fs.readFileSync(path.join(dir, 'clamd.log'), 'utf8')
          : '';
        throw new Error(`clamd did not start: ${String(error)}\n${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return {
    socketPath,
    scanner,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
