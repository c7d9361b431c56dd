import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, errorRegistry, type ErrorCode, type FieldError } from './errors.js';

interface ValidationIssue {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

/** The one place where errors become HTTP answers, in the one body shape. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    const mapped = toAppError(error);
    // The err serializer keeps a database error's SQLSTATE and frames only: its message, detail,
    // query and parameters can quote the very values (a name, an insurance number) at stake.
    if (mapped.status >= 500) {
      request.log.error({ err: error, requestId: request.id }, 'request error');
    } else if (sqlState(error) !== undefined) {
      request.log.warn({ err: error, requestId: request.id }, 'database refused the request');
    }
    return send(request, reply, mapped);
  });

  app.setNotFoundHandler((request, reply) => send(request, reply, new AppError('not_found')));
}

function send(request: FastifyRequest, reply: FastifyReply, error: AppError) {
  for (const [name, value] of Object.entries(error.headers ?? {})) void reply.header(name, value);
  return reply.code(error.status).send({
    error: {
      code: error.code,
      message: error.message,
      requestId: request.id,
      ...(error.fields === undefined ? {} : { fields: error.fields }),
    },
  });
}

/**
 * Database errors that a request can cause without a bug on our side, by SQLSTATE: a unique
 * violation is a race two requests lost to each other. Any other database error is a 500.
 */
const BY_SQLSTATE: Record<string, ErrorCode> = {
  '23505': 'already_exists',
};

/** The SQLSTATE of a PostgreSQL (pg or PGlite) error, if this is one. */
function sqlState(error: unknown): string | undefined {
  if (!(error instanceof Error) || !('severity' in error)) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

function toAppError(error: FastifyError | AppError): AppError {
  if (error instanceof AppError) return error;
  const state = sqlState(error);
  if (state !== undefined) {
    const code = BY_SQLSTATE[state];
    return code === undefined ? new AppError('internal_error') : new AppError(code);
  }
  const fastifyError = error as FastifyError & {
    validation?: ValidationIssue[];
    validationContext?: string;
  };
  if (fastifyError.validation !== undefined) {
    return new AppError(
      'validation_failed',
      undefined,
      onePerPath(
        fastifyError.validation.map((issue) => toField(issue, fastifyError.validationContext)),
      ),
    );
  }
  const byCode: Record<string, ErrorCode> = {
    FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation_failed',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
    FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  };
  const code = fastifyError.code in byCode ? byCode[fastifyError.code] : undefined;
  if (code !== undefined) return new AppError(code);
  if (error instanceof SyntaxError && fastifyError.statusCode === 400)
    return new AppError('invalid_json');
  if (fastifyError.statusCode === 429) return new AppError('rate_limited');
  if (fastifyError.statusCode !== undefined && fastifyError.statusCode < 500) {
    return new AppError('validation_failed');
  }
  return new AppError('internal_error', errorRegistry.internal_error.message);
}

function toField(issue: ValidationIssue, context: string | undefined): FieldError {
  let path = issue.instancePath;
  const missing = issue.params.missingProperty;
  const extra = issue.params.additionalProperty;
  if (typeof missing === 'string') path = `${path}/${missing}`;
  if (typeof extra === 'string') path = `${path}/${extra}`;
  const prefix = context === undefined || context === 'body' ? '' : `/${context}`;
  const message =
    typeof extra === 'string' ? 'is not an allowed property' : (issue.message ?? 'is not valid');
  return { path: `${prefix}${path}` || '/', message };
}

/**
 * A field typed as a union (a string or null) fails every branch: ajv reports "must be string",
 * "must be null" and "must match a schema in anyOf" for one input. Keep one message per path,
 * the one about the value's own shape.
 */
function onePerPath(fields: FieldError[]): FieldError[] {
  const generic = /^must (be null|match a schema in anyOf|match exactly one schema in oneOf)$/;
  const byPath = new Map<string, FieldError>();
  for (const field of fields) {
    const seen = byPath.get(field.path);
    if (seen === undefined || (generic.test(seen.message) && !generic.test(field.message))) {
      byPath.set(field.path, field);
    }
  }
  return [...byPath.values()];
}
