import net from 'node:net';
import type { Readable } from 'node:stream';
import { ScannerUnavailableError, type ScanVerdict, type Scanner } from './scanner.js';

/** Where clamd listens: a Unix socket path, or host and port. */
export type ClamdAddress = { path: string } | { host: string; port: number };

export interface ClamdOptions {
  /** No answer from clamd for this long ends the scan as unavailable. */
  timeoutMs: number;
  /** clamd refuses streams over its StreamMaxLength; we stop sending before that. */
  maxBytes: number;
}

const CHUNK_BYTES = 64 * 1024;

/**
 * A clamd client speaking its socket protocol: `zINSTREAM`, then the content as chunks each
 * prefixed with its length as a 4-byte big-endian integer, ended by a zero-length chunk; clamd
 * answers `stream: OK`, `stream: <signature> FOUND` or `… ERROR`, NUL-terminated.
 * https://docs.clamav.net/manual/Usage/Scanning.html#clamd (INSTREAM).
 */
export class ClamdScanner implements Scanner {
  readonly kind = 'clamd';

  constructor(
    private readonly address: ClamdAddress,
    private readonly options: ClamdOptions,
  ) {}

  async scan(content: Readable): Promise<ScanVerdict> {
    const reply = await this.converse(async (socket) => {
      socket.write('zINSTREAM\0');
      let sent = 0;
      for await (const chunk of content as AsyncIterable<Buffer>) {
        for (let offset = 0; offset < chunk.length; offset += CHUNK_BYTES) {
          const piece = chunk.subarray(offset, offset + CHUNK_BYTES);
          sent += piece.length;
          if (sent > this.options.maxBytes) {
            throw new ScannerUnavailableError('the content is larger than the scanner accepts');
          }
          const length = Buffer.alloc(4);
          length.writeUInt32BE(piece.length);
          if (!socket.write(Buffer.concat([length, piece]))) await drained(socket);
        }
      }
      socket.write(Buffer.alloc(4));
    });
    return verdictOf(reply);
  }

  async ping(): Promise<void> {
    const reply = await this.converse(async (socket) => {
      socket.write('zPING\0');
    });
    if (reply !== 'PONG') throw new ScannerUnavailableError('clamd did not answer PING');
  }

  /** Opens a connection, lets `send` write, and resolves with clamd's NUL-terminated reply. */
  private converse(send: (socket: net.Socket) => Promise<void>): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection(this.address);
      const chunks: Buffer[] = [];
      let settled = false;
      const finish = (error: Error | null, reply?: string): void => {
        if (settled) return;
        settled = true;
        socket.destroy();
        if (error === null) resolve(reply ?? '');
        else reject(error instanceof ScannerUnavailableError ? error : unavailable(error));
      };
      socket.setTimeout(this.options.timeoutMs, () => {
        finish(new ScannerUnavailableError('clamd did not answer in time'));
      });
      socket.on('error', (error) => {
        finish(error);
      });
      socket.on('data', (data: Buffer) => {
        chunks.push(data);
        const text = Buffer.concat(chunks).toString('utf8');
        const end = text.indexOf('\0');
        if (end >= 0) finish(null, text.slice(0, end));
      });
      socket.on('end', () => {
        finish(new ScannerUnavailableError('clamd closed the connection without a verdict'));
      });
      socket.once('connect', () => {
        send(socket).catch((error: unknown) => {
          finish(error instanceof Error ? error : new Error('sending to clamd failed'));
        });
      });
    });
  }
}

function verdictOf(reply: string): ScanVerdict {
  if (reply === 'stream: OK') return { status: 'clean' };
  const found = /^stream: (.+) FOUND$/.exec(reply);
  if (found?.[1] !== undefined) return { status: 'infected', signature: found[1] };
  // "INSTREAM size limit exceeded. ERROR" and the like: no verdict, so no release.
  throw new ScannerUnavailableError('clamd answered with an error');
}

function unavailable(error: Error): ScannerUnavailableError {
  const code = (error as NodeJS.ErrnoException).code;
  return new ScannerUnavailableError(code === undefined ? 'connection failed' : code);
}

function drained(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => socket.once('drain', resolve));
}
