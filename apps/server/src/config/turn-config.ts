/**
 * The clinic's own TURN server (coturn with `use-auth-secret`), handed to browsers for video
 * consultations. There is no third-party STUN default: without TURN, browsers use host
 * candidates only, so nothing about a consultation leaves the clinic's deployment.
 */
export interface TurnConfig {
  /** turn: / turns: URLs, in the order browsers should try them; empty = no relay. */
  urls: string[];
  /** coturn's `static-auth-secret`: signs the time-limited credentials (TURN REST API). */
  secret: string | null;
  /** How long a credential stays valid for starting or refreshing an allocation. */
  credentialSeconds: number;
}

type Read = (name: string) => string | undefined;

const TURN_URL = /^turns?:[^\s,?]+(\?transport=(udp|tcp))?$/;
const MIN_SECRET_LENGTH = 32;

/**
 * Both or neither, in every environment: URLs without the secret would hand out credentials
 * coturn rejects, a secret without URLs is a typo. Production does not require TURN (a clinic
 * whose browsers share one network reaches peers directly), but its secret must be long.
 */
export function readTurnConfig(read: Read, problems: string[]): TurnConfig {
  const urls = (read('MEDICONNECT_TURN_URLS') ?? '')
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (urls.some((u) => !TURN_URL.test(u))) {
    problems.push('MEDICONNECT_TURN_URLS must be a comma-separated list of turn: or turns: URLs');
  }
  const secret = read('MEDICONNECT_TURN_SECRET') ?? null;
  if (urls.length > 0 !== (secret !== null)) {
    problems.push('MEDICONNECT_TURN_URLS and MEDICONNECT_TURN_SECRET must be set together');
  }
  if (secret !== null && secret.length < MIN_SECRET_LENGTH) {
    problems.push(`MEDICONNECT_TURN_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  const secondsRaw = read('MEDICONNECT_TURN_CREDENTIAL_SECONDS');
  const credentialSeconds = secondsRaw === undefined ? 3600 : Number(secondsRaw);
  if (
    !Number.isInteger(credentialSeconds) ||
    credentialSeconds < 300 ||
    credentialSeconds > 86_400
  ) {
    problems.push('MEDICONNECT_TURN_CREDENTIAL_SECONDS must be an integer from 300 to 86400');
  }
  return { urls, secret, credentialSeconds };
}
