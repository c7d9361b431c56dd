import type { ClamdAddress } from '../platform/scanner/clamd-scanner.js';

/** Uploads and their virus scanning: SPEC §7, review finding MOD-2. */
export interface FilesConfig {
  /** Content types accepted, each checked against the file's magic bytes and extension. */
  allowedTypes: UploadType[];
  maxBytes: number;
  /** Where clamd listens; null = no scanner, so uploads stay quarantined. */
  clamd: ClamdAddress | null;
  scanTimeoutMs: number;
}

/** The types MediConnect knows how to recognise by content, with their extensions. */
export const UPLOAD_TYPES = {
  'image/jpeg': ['jpg', 'jpeg'],
  'image/png': ['png'],
  'application/pdf': ['pdf'],
} as const;
export type UploadType = keyof typeof UPLOAD_TYPES;

type Read = (name: string) => string | undefined;

const MB = 1024 * 1024;

export function readFilesConfig(read: Read, problems: string[]): FilesConfig {
  const types = (read('MEDICONNECT_UPLOAD_TYPES') ?? Object.keys(UPLOAD_TYPES).join(','))
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  const known = types.filter((t): t is UploadType => t in UPLOAD_TYPES);
  if (known.length !== types.length || known.length === 0) {
    problems.push(
      `MEDICONNECT_UPLOAD_TYPES must list some of ${Object.keys(UPLOAD_TYPES).join(', ')}`,
    );
  }

  const maxRaw = read('MEDICONNECT_UPLOAD_MAX_BYTES');
  const maxBytes = maxRaw === undefined ? 10 * MB : Number(maxRaw);
  if (!Number.isInteger(maxBytes) || maxBytes < 1024 || maxBytes > 100 * MB) {
    problems.push(`MEDICONNECT_UPLOAD_MAX_BYTES must be an integer from 1024 to ${100 * MB}`);
  }

  const timeoutRaw = read('MEDICONNECT_CLAMD_TIMEOUT_MS');
  const scanTimeoutMs = timeoutRaw === undefined ? 30_000 : Number(timeoutRaw);
  if (!Number.isInteger(scanTimeoutMs) || scanTimeoutMs < 100 || scanTimeoutMs > 600_000) {
    problems.push('MEDICONNECT_CLAMD_TIMEOUT_MS must be an integer from 100 to 600000');
  }

  return {
    allowedTypes: known.length > 0 ? known : ['application/pdf'],
    maxBytes: Number.isInteger(maxBytes) ? maxBytes : 10 * MB,
    clamd: readClamdAddress(read, problems),
    scanTimeoutMs,
  };
}

function readClamdAddress(read: Read, problems: string[]): ClamdAddress | null {
  const socket = read('MEDICONNECT_CLAMD_SOCKET');
  const address = read('MEDICONNECT_CLAMD_ADDRESS');
  if (socket !== undefined && address !== undefined) {
    problems.push('MEDICONNECT_CLAMD_SOCKET and MEDICONNECT_CLAMD_ADDRESS exclude each other');
    return null;
  }
  if (socket !== undefined) return { path: socket };
  if (address === undefined) return null;
  const match = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(address);
  const port = Number(match?.[2]);
  if (match?.[1] === undefined || port < 1 || port > 65535) {
    problems.push('MEDICONNECT_CLAMD_ADDRESS must be host:port');
    return null;
  }
  return { host: match[1].replace(/^\[|\]$/g, ''), port };
}
