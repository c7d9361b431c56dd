import crypto from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/config.js';
import { callerOf } from '../../http/context.js';
import { AppError } from '../../http/errors.js';
import { CSRF_COOKIE, requireCsrf } from '../../http/security.js';
import type { AccountService } from '../staff/service.js';
import type { TenantService } from '../tenants/service.js';
import type { AuthService, ClientInfo, LoginStep, SessionGrant } from './service.js';

export const REFRESH_COOKIE = 'mc_refresh';
const REFRESH_PATH = '/api/v1/auth';

export const Me = Type.Object({
  id: Type.String(),
  email: Type.String(),
  displayName: Type.String(),
  role: Type.String(),
  mfaEnrolled: Type.Boolean(),
  /** For role patient: the one record the portal shows. */
  patientId: Type.Union([Type.String(), Type.Null()]),
  tenant: Type.Object({ code: Type.String(), name: Type.String() }),
});

const Step = Type.Object({
  status: Type.Union([
    Type.Literal('ok'),
    Type.Literal('mfa_required'),
    Type.Literal('mfa_enrollment_required'),
    Type.Literal('password_change_required'),
  ]),
  accessToken: Type.Optional(Type.String()),
  expiresIn: Type.Integer(),
  user: Type.Optional(Me),
  mfaToken: Type.Optional(Type.String()),
  passwordToken: Type.Optional(Type.String()),
  recoveryCodes: Type.Optional(Type.Array(Type.String())),
});

const body = <T extends Parameters<typeof Type.Object>[0]>(properties: T) =>
  Type.Object(properties, { additionalProperties: false });
const Token = Type.String({ minLength: 20, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' });
const Code = Type.String({ pattern: '^[0-9]{6}$' });
const RecoveryCode = Type.String({ minLength: 16, maxLength: 40, pattern: '^[A-Za-z2-7 -]+$' });
const NewPassword = Type.String({ minLength: 1, maxLength: 256 });

interface Deps {
  config: Config;
  auth: AuthService;
  accounts: AccountService;
  tenants: TenantService;
}

export function clientOf(request: FastifyRequest): ClientInfo {
  return { ip: request.ip, userAgent: request.headers['user-agent'], requestId: request.id };
}

export function authRoutes({ config, auth, accounts, tenants }: Deps): FastifyPluginAsyncTypebox {
  const me = async (tenantId: string, userId: string) => {
    const [account, tenant] = await Promise.all([
      accounts.findById(tenantId, userId),
      tenants.findById(tenantId),
    ]);
    if (account === null || tenant === null) throw new AppError('unauthenticated');
    return {
      id: account.id,
      email: account.email,
      displayName: account.displayName,
      role: account.role,
      mfaEnrolled: account.mfaEnrolled,
      patientId: account.patientId,
      tenant: { code: tenant.code, name: tenant.name },
    };
  };

  /** A session: the access token in the body, the refresh token in its cookie. */
  const granted = async (reply: FastifyReply, grant: SessionGrant) => {
    setSessionCookies(reply, config, grant.refreshToken);
    return reply.send({
      status: 'ok' as const,
      accessToken: grant.accessToken,
      expiresIn: grant.expiresIn,
      user: await me(grant.principal.tenantId, grant.principal.userId),
      ...(grant.recoveryCodes === undefined ? {} : { recoveryCodes: grant.recoveryCodes }),
    });
  };

  const step = async (reply: FastifyReply, next: LoginStep) => {
    if (next.status === 'ok') return granted(reply, next.grant);
    return reply.send(next);
  };

  return async (app) => {
    const open = { public: true };

    app.post(
      '/auth/login',
      {
        config: open,
        schema: {
          body: body({
            tenant: Type.String({ minLength: 1, maxLength: 64 }),
            email: Type.String({ minLength: 3, maxLength: 320 }),
            password: Type.String({ minLength: 1, maxLength: 256 }),
          }),
          response: { 200: Step },
        },
      },
      async (request, reply) => {
        const { tenant, email, password } = request.body;
        return step(
          reply,
          await auth.login(tenant.trim().toLowerCase(), email, password, clientOf(request)),
        );
      },
    );

    app.post(
      '/auth/password/initial',
      {
        config: open,
        schema: {
          body: body({ passwordToken: Token, newPassword: NewPassword }),
          response: { 200: Step },
        },
      },
      async (request, reply) =>
        step(
          reply,
          await auth.changeInitialPassword(
            request.body.passwordToken,
            request.body.newPassword,
            clientOf(request),
          ),
        ),
    );

    app.post(
      '/auth/mfa/verify',
      {
        config: open,
        schema: {
          body: body({
            mfaToken: Token,
            code: Type.Optional(Code),
            recoveryCode: Type.Optional(RecoveryCode),
          }),
          response: { 200: Step },
        },
      },
      async (request, reply) => {
        const { mfaToken, code, recoveryCode } = request.body;
        if ((code === undefined) === (recoveryCode === undefined)) {
          throw new AppError('validation_failed', 'Send either a code or a recovery code.', [
            { path: '/code', message: 'send either code or recoveryCode' },
          ]);
        }
        return granted(
          reply,
          await auth.verifyMfa(mfaToken, { code, recoveryCode }, clientOf(request)),
        );
      },
    );

    app.post(
      '/auth/mfa/totp/enroll',
      {
        config: open,
        schema: {
          body: body({ mfaToken: Token }),
          response: {
            200: Type.Object({
              secret: Type.String(),
              otpauthUri: Type.String(),
              qrDataUrl: Type.String(),
            }),
          },
        },
      },
      async (request) => auth.startEnrollment(request.body.mfaToken),
    );

    app.post(
      '/auth/mfa/totp/confirm',
      {
        config: open,
        schema: { body: body({ mfaToken: Token, code: Code }), response: { 200: Step } },
      },
      async (request, reply) =>
        granted(
          reply,
          await auth.confirmEnrollment(request.body.mfaToken, request.body.code, clientOf(request)),
        ),
    );

    app.post(
      '/auth/mfa/step-up',
      {
        schema: {
          body: body({ code: Code }),
          response: { 200: Type.Object({ accessToken: Type.String(), expiresIn: Type.Integer() }) },
        },
      },
      async (request) => {
        const grant = await auth.stepUp(callerOf(request), request.body.code, clientOf(request));
        return { accessToken: grant.accessToken, expiresIn: grant.expiresIn };
      },
    );

    app.post(
      '/auth/refresh',
      { config: open, schema: { response: { 200: Step } } },
      async (request, reply) => {
        requireCsrf(request, config.allowedOrigins);
        const token = request.cookies[REFRESH_COOKIE];
        if (token === undefined) throw new AppError('unauthenticated');
        try {
          return await granted(reply, await auth.refresh(token, clientOf(request)));
        } catch (error) {
          if (error instanceof AppError && error.code === 'unauthenticated')
            clearSessionCookies(reply, config);
          throw error;
        }
      },
    );

    app.post('/auth/logout', { config: open }, async (request, reply) => {
      requireCsrf(request, config.allowedOrigins);
      await auth.logout(request.cookies[REFRESH_COOKIE], request.caller, clientOf(request));
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
    httpOnly: true,
    secure: config.cookieSecure,
    sameSite: 'strict',
    path: REFRESH_PATH,
  });
  // Readable by the page (double submit): a cross-site page can neither read nor set it.
  reply.setCookie(CSRF_COOKIE, crypto.randomBytes(24).toString('base64url'), {
    httpOnly: false,
    secure: config.cookieSecure,
    sameSite: 'strict',
    path: '/',
  });
}

function clearSessionCookies(reply: FastifyReply, config: Config): void {
  reply.clearCookie(REFRESH_COOKIE, {
    path: REFRESH_PATH,
    secure: config.cookieSecure,
    sameSite: 'strict',
    httpOnly: true,
  });
  reply.clearCookie(CSRF_COOKIE, { path: '/', secure: config.cookieSecure, sameSite: 'strict' });
}
