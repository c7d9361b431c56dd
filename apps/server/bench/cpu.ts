/**
 * CPU seconds spent serving the benchmark: the target process and, on a local PostgreSQL, the
 * server processes of the target's own connections (found by application name). Throughput on
 * a machine shared with other work swings with that work; CPU per request moves far less, and
 * on a machine that serves only MediConnect it is what bounds throughput.
 */
import fs from 'node:fs';
import os from 'node:os';
import pg from 'pg';

export interface CpuMeter {
  kind: 'server + PostgreSQL' | 'server' | 'none';
  /** CPU seconds so far. */
  read(): Promise<number>;
  close(): Promise<void>;
}

const TICK_S = 0.01; // USER_HZ is 100 on Linux

export async function cpuMeter(
  pid: number | undefined,
  databaseUrl: string | undefined,
  application: string,
): Promise<CpuMeter> {
  if (pid === undefined || os.platform() !== 'linux' || cpuOf(pid) === null)
    return { kind: 'none', read: () => Promise.resolve(0), close: () => Promise.resolve() };
  if (databaseUrl === undefined) {
    return {
      kind: 'server',
      read: () => Promise.resolve(cpuOf(pid) ?? 0),
      close: () => Promise.resolve(),
    };
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  client.on('error', () => undefined);
  return {
    kind: 'server + PostgreSQL',
    async read() {
      const backends = await client.query<{ pid: number }>(
        'select pid from pg_stat_activity where application_name = $1',
        [application],
      );
      return backends.rows.reduce((sum, row) => sum + (cpuOf(row.pid) ?? 0), cpuOf(pid) ?? 0);
    },
    close: () => client.end(),
  };
}

/** User and system CPU seconds of one process, from /proc; null when it cannot be read. */
function cpuOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_S;
  } catch {
    return null;
  }
}
