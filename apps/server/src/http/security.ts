import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import { AppError, invalid } from './errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Powerful browser features: camera and microphone for the app's own pages (video
 * consultations), fullscreen and a screen that stays awake for the call; everything else off, for embedded content too.
 */
export const PERMISSIONS_POLICY = [
  'camera=(self)',
  'microphone=(self)',
  'fullscreen=(self)',
  'display-capture=()',
  'geolocation=()',
  'payment=()',
  'usb=()',
  'serial=()',
  'hid=()',
  'bluetooth=()',
  'midi=()',
  'accelerometer=()',
  'gyroscope=()',
  'magnetometer=()',
  'publickey-credentials-get=()',
  'screen-wake-lock=(self)',
  'browsing-topics=()',
].join(', ');
export const CSRF_COOKIE = 'mc_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** Security headers, CORS allowlist and the origin check, registered before any route. */
export async function registerBoundary(app: FastifyInstance, config: Config): Promise<void> {
  const allowed = new Set(config.allowedOrigins);

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        // 'self' also matches ws: and wss: of the same host and port (CSP3, "Does url match
        // expression in origin": the signaling socket), checked in Chromium 156.
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    hsts: { maxAge: 31_536_000, includeSubDomains: true },
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
    crossOriginEmbedderPolicy: false,
  });

  // A disallowed origin gets no CORS headers at all; never a wildcard, never a reflection.
  await app.register(cors, {
    origin: (origin, callback) => {
      callback(null, origin !== undefined && allowed.has(origin));
    },
    credentials: true,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'if-match', CSRF_HEADER],
    exposedHeaders: ['etag', 'retry-after'],
    maxAge: 600,
  });

  // A browser names the page that sent a state-changing request; a page off the allowlist is
  // refused here, before any handler runs (CSRF, CRIT-3).
  app.addHook('onRequest', async (request) => {
    if (SAFE_METHODS.has(request.method)) return;
    const origin = request.headers.origin;
    if (origin !== undefined && !allowed.has(origin)) throw new AppError('origin_not_allowed');
  });

  // The API speaks JSON only. Fastify also parses text/plain, a type any page may send across
  // sites without a preflight; without the parser such a body is a 415.
  app.removeContentTypeParser('text/plain');

  // PostgreSQL text cannot hold U+0000: refuse it here as a validation error, before it can
  // fail inside the database as a 500.
  app.addHook('preValidation', async (request) => {
    const path =
      nulPath(request.params, '/params') ??
      nulPath(request.query, '/querystring') ??
      nulPath(request.body, '');
    if (path !== null) throw invalid(path === '' ? '/' : path, 'must not contain NUL characters');
  });

  app.addHook('onSend', async (request, reply) => {
    reply.header('permissions-policy', PERMISSIONS_POLICY);
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
  });

  // With a WebSocket route served, every upgrade request is routed like any other request.
  // Whatever answered it over HTTP (a refusal, another route, a 404), the connection is raw and
  // outside the server's keep-alive handling: close it, or it would stay open for good.
  app.addHook('onResponse', async (request) => {
    if (request.headers.upgrade !== undefined) request.raw.socket.destroy();
  });
}

/**
 * Cookie-authenticated endpoints (refresh, logout) need the double-submit token and a
 * same-site page: an Origin or Referer on the allowlist.
 */
export function requireCsrf(request: FastifyRequest, allowedOrigins: readonly string[]): void {
  const cookie = request.cookies[CSRF_COOKIE];
  const header = request.headers[CSRF_HEADER];
  if (
    cookie === undefined ||
    typeof header !== 'string' ||
    cookie.length < 16 ||
    header !== cookie
  ) {
    throw new AppError('csrf_failed');
  }
  const origin = request.headers.origin ?? refererOrigin(request.headers.referer);
  if (origin === null || !allowedOrigins.includes(origin)) throw new AppError('origin_not_allowed');
}

function refererOrigin(referer: string | undefined): string | null {
  if (referer === undefined) return null;
  try {
    return new URL(referer).origin;
  } catch {
    return null;
  }
}

/** The JSON pointer of the first string holding U+0000, or null. Iterative: bodies may nest deeply. */
function nulPath(root: unknown, base: string): string | null {
  const pending: [unknown, string][] = [[root, base]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, path] = next;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return path;
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        pending.push([child, `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`]);
      }
    }
  }
  return null;
}
