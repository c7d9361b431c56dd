import crypto from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { Config } from '../../config/config.js';
import { callerOf } from '../../http/context.js';
import { AppError } from '../../http/errors.js';
import { CSRF_COOKIE, requireCsrf } from '../../http/security.js';
import type { AccountService } from '../staff/service.js';
import type { TenantService } from '../tenants/service.js';
import type { AuthService, SessionGrant } from './service.js';

export const REFRESH_COOKIE = 'mc_refresh';
const REFRESH_PATH = '/api/v1/auth';

const Me = Type.Object({
  id: Type.String(),
  email: Type.String(),
  displayName: Type.String(),
  role: Type.String(),
  tenant: Type.Object({ code: Type.String(), name: Type.String() }),
});

const LoginResult = Type.Object({
  status: Type.Literal('ok'),
  accessToken: Type.String(),
  expiresIn: Type.Integer(),
  user: Me,
});

const LoginBody = Type.Object(
  {
    tenant: Type.String({ minLength: 1, maxLength: 64 }),
    email: Type.String({ minLength: 3, maxLength: 320 }),
    password: Type.String({ minLength: 1, maxLength: 256 }),
  },
  { additionalProperties: false },
);

interface Deps {
  config: Config;
  auth: AuthService;
  accounts: AccountService;
  tenants: TenantService;
}

export function authRoutes({ config, auth, accounts, tenants }: Deps): FastifyPluginAsyncTypebox {
  const me = async (tenantId: string, userId: string) => {
    const [account, tenant] = await Promise.all([accounts.findById(tenantId, userId), tenants.findById(tenantId)]);
    if (account === null || tenant === null) throw new AppError('unauthenticated');
    return { id: account.id, email: account.email, displayName: account.displayName, role: account.role,
      tenant: { code: tenant.code, name: tenant.name } };
  };

  const answer = async (reply: FastifyReply, grant: SessionGrant) => {
    setSessionCookies(reply, config, grant.refreshToken);
    return reply.send({
      status: 'ok' as const,
      accessToken: grant.accessToken,
      expiresIn: grant.expiresIn,
      user: await me(grant.principal.tenantId, grant.principal.userId),
    });
  };

  return async (app) => {
    app.post('/auth/login', { config: { public: true }, schema: { body: LoginBody, response: { 200: LoginResult } } },
      async (request, reply) => {
        const { tenant, email, password } = request.body;
        const grant = await auth.login(tenant.trim().toLowerCase(), email, password,
          { userAgent: request.headers['user-agent'], requestId: request.id });
        return answer(reply, grant);
      });

    app.post('/auth/refresh', { config: { public: true }, schema: { response: { 200: LoginResult } } }, async (request, reply) => {
      requireCsrf(request, config.allowedOrigins);
      const token = request.cookies[REFRESH_COOKIE];
      if (token === undefined) throw new AppError('unauthenticated');
      try {
        return await answer(reply, await auth.refresh(token, { userAgent: request.headers['user-agent'],
          requestId: request.id }));
      } catch (error) {
        clearSessionCookies(reply, config);
        throw error;
      }
    });

    app.post('/auth/logout', { config: { public: true } }, async (request, reply) => {
      requireCsrf(request, config.allowedOrigins);
      await auth.logout(request.cookies[REFRESH_COOKIE], request.caller, request.id);
      clearSessionCookies(reply, config);
      return reply.code(204).send();
    });

    app.get('/me', { schema: { response: { 200: Me } } }, async (request) => {
      const caller = callerOf(request);
      return me(caller.tenantId, caller.userId);
    });
  };
}

function setSessionCookies(reply: FastifyReply, config: Config, refreshToken: string): void {
  reply.setCookie(REFRESH_COOKIE, refreshToken, {
    httpOnly: true, secure: config.cookieSecure, sameSite: 'strict', path: REFRESH_PATH,
  });
  // Readable by the page (double submit): a cross-site page can neither read nor set it.
  reply.setCookie(CSRF_COOKIE, crypto.randomBytes(24).toString('base64url'), {
    httpOnly: false, secure: config.cookieSecure, sameSite: 'strict', path: '/',
  });
}

function clearSessionCookies(reply: FastifyReply, config: Config): void {
  reply.clearCookie(REFRESH_COOKIE, { path: REFRESH_PATH, secure: config.cookieSecure, sameSite: 'strict',
    httpOnly: true });
  reply.clearCookie(CSRF_COOKIE, { path: '/', secure: config.cookieSecure, sameSite: 'strict' });
}
