/**
 * The rhythm of the signaling sockets (docs/signaling.md). The defaults are the protocol's; the
 * variables exist so tests can watch a heartbeat or an auth timeout happen in milliseconds.
 */
export interface SignalingConfig {
  /** Each socket is pinged this often; one that missed the previous ping is cut. */
  heartbeatMs: number;
  /** A socket that has not sent `auth` by then is closed with 4401. */
  authTimeoutMs: number;
  /**
   * Per socket, a bucket of `messageBurst` messages refilled at `messagesPerSecond` (4429
   * beyond). The protocol's values, not read from the environment; the benchmark lifts them to
   * measure the relay itself.
   */
  messagesPerSecond: number;
  messageBurst: number;
}

type Read = (name: string) => string | undefined;

export function readSignalingConfig(read: Read, problems: string[]): SignalingConfig {
  return {
    heartbeatMs: milliseconds(read, 'MEDICONNECT_SIGNALING_HEARTBEAT_MS', 15_000, problems),
    authTimeoutMs: milliseconds(read, 'MEDICONNECT_SIGNALING_AUTH_TIMEOUT_MS', 5_000, problems),
    messagesPerSecond: 50,
    messageBurst: 100,
  };
}

function milliseconds(read: Read, name: string, fallback: number, problems: string[]): number {
  const raw = read(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 50 || value > 60_000) {
    problems.push(`${name} must be an integer from 50 to 60000`);
    return fallback;
  }
  return value;
}
