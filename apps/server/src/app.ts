import crypto from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import path from 'node:path';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Config } from './config/config.js';
import type { Platform } from './platform/index.js';
import type { FieldCipher } from './platform/keys/field-cipher.js';
import { LocalObjectStore } from './platform/objects/index.js';
import { registerErrorHandling } from './http/error-handler.js';
import { AppError } from './http/errors.js';
import { logCompletion } from './http/logging.js';
import { registerBoundary } from './http/security.js';
import { AuditBatcher } from './modules/audit/batcher.js';
import { AuditChainer } from './modules/audit/chainer.js';
import { auditRoutes } from './modules/audit/routes.js';
import { appointmentRoutes } from './modules/appointments/routes.js';
import { authRoutes } from './modules/auth/routes.js';
import { sessionRoutes } from './modules/auth/session-routes.js';
import { staffDirectoryRoutes } from './modules/staff/directory.js';
import { staffRoutes } from './modules/staff/routes.js';
import { LoginGuard } from './modules/auth/login-guard.js';
import { MfaService } from './modules/auth/mfa-service.js';
import { PendingLogins } from './modules/auth/pending-logins.js';
import { AuthService } from './modules/auth/service.js';
import { SessionService } from './modules/auth/sessions.js';
import { TokenService } from './modules/auth/tokens.js';
import { breakGlassRoutes } from './modules/break-glass/routes.js';
import { BreakGlassService } from './modules/break-glass/service.js';
import { careTeamRoutes } from './modules/care-team/routes.js';
import { clinicalRoutes } from './modules/clinical/routes.js';
import { signalingRoutes } from './modules/consultations/routes.js';
import { ConsultationService } from './modules/consultations/service.js';
import { encounterRoutes } from './modules/encounters/routes.js';
import { EncounterService } from './modules/encounters/service.js';
import { objectDownloadRoute } from './modules/files/object-download-route.js';
import { fileRoutes } from './modules/files/routes.js';
import { prescriptionRoutes } from './modules/prescriptions/routes.js';
import { ScanWorker } from './modules/files/scan-worker.js';
import { patientRoutes } from './modules/patients/routes.js';
import { portalRoutes } from './modules/portal/routes.js';
import { AccountService } from './modules/staff/service.js';
import { TenantService } from './modules/tenants/service.js';

export interface Services {
  tenants: TenantService;
  accounts: AccountService;
  auth: AuthService;
  sessions: SessionService;
  mfa: MfaService;
  guard: LoginGuard;
  encounters: EncounterService;
  consultations: ConsultationService;
  scans: ScanWorker;
  cipher: FieldCipher;
  auditChainer: AuditChainer;
  auditBatcher: AuditBatcher;
}

export function createServices(platform: Platform): Services {
  const { config, db, store } = platform;
  const tenants = new TenantService(db, platform.cipher);
  const accounts = new AccountService(db);
  const tokens = new TokenService(platform.keys, config.publicUrl, config.accessTokenMinutes * 60);
  const sessions = new SessionService(db, store, config.sessions, tokens.lifetimeSeconds);
  const cipher = platform.cipher;
  const mfa = new MfaService(db, cipher);
  const auditChainer = new AuditChainer(
    tenants,
    platform.keys,
    { ...config.audit, intervalMs: config.audit.chainIntervalMs },
    platform.logger,
  );
  const guard = new LoginGuard(store, config.rateLimits);
  const auth = new AuthService({
    db,
    store,
    tokens,
    tenants,
    accounts,
    sessions,
    mfa,
    guard,
    pending: new PendingLogins(store),
    auditChainer,
  });
  return {
    tenants,
    accounts,
    auth,
    sessions,
    mfa,
    guard,
    encounters: new EncounterService(accounts),
    consultations: new ConsultationService({ tenants, accounts, chainer: auditChainer }),
    scans: new ScanWorker(tenants, platform.objects, platform.scanner, platform.logger),
    cipher,
    auditChainer,
    auditBatcher: new AuditBatcher(db.kind === 'pglite' ? 1 : 2),
  };
}

/** Builds the whole HTTP app without listening, so tests can inject requests. */
export async function buildApp(
  platform: Platform,
  services = createServices(platform),
): Promise<FastifyInstance> {
  const { config } = platform;
  const app = Fastify({
    loggerInstance: platform.logger,
    // Fastify's own request lines carry the URL (and its query string): ours replace them.
    logController: new LogController({
      disableRequestLogging: true,
      requestIdLogLabel: 'requestId',
    }),
    genReqId: () => crypto.randomUUID(),
    requestIdHeader: false,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
    routerOptions: { maxParamLength: 200 },
    ...(config.tls === null ? {} : { serverFactory: httpsServer(config.tls) }),
  }).withTypeProvider<TypeBoxTypeProvider>();

  registerErrorHandling(app);
  app.addHook('onClose', () => services.scans.stop());
  await registerBoundary(app, config);
  await app.register(cookie);

  app.decorateRequest('caller', null);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (header?.startsWith('Bearer ') !== true) return;
    const verified = await services.auth.authenticate(header.slice('Bearer '.length).trim());
    if (verified === null) return;
    const tenant = services.tenants.handle(verified.tenant);
    request.caller = {
      ...verified.principal,
      tenant,
      requestId: request.id,
      clientIp: request.ip,
      auditRead: (event) => services.auditBatcher.record(tenant, event),
    };
  });
  app.addHook('onResponse', async (request, reply) => {
    logCompletion(request, reply);
    // Whatever this request audited gets linked into its clinic's chain within a second.
    if (request.caller !== null) services.auditChainer.notice(request.caller.tenant);
  });
  app.addHook('onReady', async () => {
    services.auditChainer.start();
  });
  app.addHook('onClose', async () => {
    await services.auditChainer.stop();
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const checks = {
      database: await probe(() => platform.db.ping()),
      store: await probe(() => platform.store.ping()),
      storage: await probe(() => platform.objects.ping()),
    };
    const ok = Object.values(checks).every((c) => c === 'ok');
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', checks });
  });
  app.get('/.well-known/jwks.json', async () => platform.keys.jwks());
  if (platform.objects instanceof LocalObjectStore) {
    await app.register(objectDownloadRoute(platform.objects));
  }

  await app.register(
    async (api) => {
      // Every API route needs a caller unless it says it is public (login, refresh, logout).
      api.addHook('onRequest', async (request) => {
        const config = request.routeOptions.config as { public?: boolean };
        if (config.public !== true && request.caller === null)
          throw new AppError('unauthenticated');
      });
      await api.register(
        authRoutes({
          config,
          auth: services.auth,
          accounts: services.accounts,
          tenants: services.tenants,
        }),
      );
      await api.register(sessionRoutes(services.sessions, services.accounts));
      await api.register(staffRoutes(services));
      await api.register(staffDirectoryRoutes(services.accounts));
      await api.register(patientRoutes);
      await api.register(careTeamRoutes(services.accounts));
      await api.register(encounterRoutes(services.encounters));
      await api.register(clinicalRoutes);
      await api.register(portalRoutes(services.tenants, services.accounts));
      await api.register(
        breakGlassRoutes(new BreakGlassService(services.accounts, services.cipher)),
      );
      await api.register(
        auditRoutes({
          tenants: services.tenants,
          cipher: services.cipher,
          chainer: services.auditChainer,
        }),
      );
      await api.register(
        prescriptionRoutes({
          objects: platform.objects,
          accounts: services.accounts,
          tenants: services.tenants,
        }),
      );
      await api.register(
        appointmentRoutes({
          accounts: services.accounts,
          keys: platform.keys,
          turn: config.turn,
        }),
      );
      await api.register(
        fileRoutes({ config: config.files, objects: platform.objects, scans: services.scans }),
      );
      await api.register(
        signalingRoutes({
          keys: platform.keys,
          store: platform.store,
          consultations: services.consultations,
          allowedOrigins: config.allowedOrigins,
          timings: config.signaling,
          logger: platform.logger,
        }),
      );
    },
    { prefix: '/api/v1' },
  );

  await serveWebApp(app, config);
  return app;
}

/**
 * HTTPS on the API's own port (SIG-1: no plaintext hop behind the load balancer either). A plain
 * HTTP request to this port fails the TLS handshake: nothing is ever served without TLS.
 */
function httpsServer(tls: NonNullable<Config['tls']>) {
  const options = {
    cert: fs.readFileSync(tls.certFile),
    key: fs.readFileSync(tls.keyFile),
    minVersion: 'TLSv1.2' as const,
  };
  return (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
    https.createServer(options, handler);
}

async function probe(check: () => Promise<void>): Promise<'ok' | 'unavailable'> {
  try {
    await check();
    return 'ok';
  } catch {
    return 'unavailable';
  }
}

/** The built React app, with index.html for every page path (the app routes on the client). */
async function serveWebApp(app: FastifyInstance, config: Config): Promise<void> {
  const root = config.webDistDir ?? path.resolve(import.meta.dirname, '../../web/dist');
  if (!fs.existsSync(path.join(root, 'index.html'))) return;
  await app.register(fastifyStatic, { root, wildcard: false, index: false });
  const index = fs.readFileSync(path.join(root, 'index.html'));
  const page = async (_request: unknown, reply: import('fastify').FastifyReply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(index);
  app.get('/', page);
  const pages = ['/login', '/patients', '/patients/*', '/encounters/*', '/mypage', '/settings'];
  pages.push('/staff', '/audit', '/break-glass', '/break-glass/review', '/schedule', '/consult/*');
  for (const route of pages) app.get(route, page);
}
