import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { pino, type LoggerOptions } from 'pino';

/**
 * Logs are for operators. Only these fields ever leave a request: ids, method, the route
 * pattern (never the URL: its query string may carry a name), status and timing. Bodies,
 * headers, cookies, tokens and error details from the database are never logged.
 */
/**
 * Every field a log line may carry (pino's own, the completion line's, start/stop lines'):
 * the test suite fails a line with any other field (test/support/canary.ts).
 */
export const LOG_FIELDS: ReadonlySet<string> = new Set([
  'level',
  'time',
  'msg',
  'requestId',
  'method',
  'route',
  'status',
  'ms',
  'tenantId',
  'userId',
  'err',
  'signal',
  'port',
  'https',
  'database',
  'store',
  'keyProvider',
  'storage',
  'scanner',
  // An error code from the registry or a constant of ours: never a value from a request.
  'code',
  // Key jobs: counts and versions, never a value.
  'keyVersion',
  'converted',
  'failed',
  'clinics',
]);

/** The fields serializeError keeps. */
export const LOG_ERROR_FIELDS: ReadonlySet<string> = new Set(['type', 'code', 'message', 'stack']);

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    messageKey: 'msg',
    serializers: { err: serializeError, error: serializeError },
    redact: {
      paths: ['req', 'res', 'headers', 'body', 'query', 'password', 'token'],
      remove: true,
    },
  };
}

export function createLogger(
  level: string,
  destination?: NodeJS.WritableStream,
): FastifyBaseLogger {
  return pino(loggerOptions(level), destination ?? process.stdout);
}

/** One completion line per request; its requestId comes from the request's own logger. */
export function logCompletion(request: FastifyRequest, reply: FastifyReply): void {
  const fields = {
    method: request.method,
    route: request.routeOptions.url ?? 'unmatched',
    status: reply.statusCode,
    ms: Math.round(reply.elapsedTime),
    tenantId: request.caller?.tenantId,
    userId: request.caller?.userId,
  };
  if (reply.statusCode >= 500) request.log.error(fields, 'request failed');
  else request.log.info(fields, 'request completed');
}

/**
 * Database and library errors can quote the offending value ("invalid input syntax for type
 * date: …"). Keep the type, code and stack frames; drop messages we did not write.
 */
export function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  const code = (error as { code?: unknown }).code;
  const ours = ['AppError', 'ConfigError', 'KeyProviderError'].includes(error.name);
  // Only "at …" lines: a multi-line message (a database's DETAIL, say) continues the stack's
  // first line, and would otherwise pass as frames.
  const frames = (error.stack ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('at '))
    .slice(0, 7);
  return {
    type: error.name,
    ...(typeof code === 'string' ? { code } : {}),
    ...(ours ? { message: error.message } : {}),
    stack: frames,
  };
}
