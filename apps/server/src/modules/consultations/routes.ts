import websocket from '@fastify/websocket';
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import type { SignalingConfig } from '../../config/signaling-config.js';
import { AppError } from '../../http/errors.js';
import type { SigningKeys } from '../../platform/keys/signing-keys.js';
import type { Store } from '../../platform/store/store.js';
import { SignalingHub } from './hub.js';
import { CLOSE, MAX_MESSAGE_BYTES } from './protocol.js';
import type { ConsultationService } from './service.js';
import { SignalingSocket } from './socket.js';

export interface SignalingDeps {
  keys: SigningKeys;
  store: Store;
  consultations: ConsultationService;
  allowedOrigins: readonly string[];
  timings: SignalingConfig;
  logger: FastifyBaseLogger;
}

/**
 * The heartbeat runs in this many slices of its interval, each pinging its share of the sockets:
 * thousands of pings (and their pongs) at one instant would stall every relay for that moment.
 */
const HEARTBEAT_SLICES = 10;

/** How long a closing server waits for sockets to finish their close handshake. */
const SHUTDOWN_GRACE_MS = 1_000;

/**
 * `GET /api/v1/signaling`: the WebSocket of video consultations (docs/signaling.md). The
 * WebSocket plugin is registered here, inside this plugin only, so no other route of the API
 * can be upgraded to a WebSocket.
 */
export function signalingRoutes(deps: SignalingDeps): FastifyPluginAsync {
  return async (app) => {
    const allowed = new Set(deps.allowedOrigins);
    const sockets = new Set<SignalingSocket>();
    const slices = Array.from({ length: HEARTBEAT_SLICES }, () => new Set<SignalingSocket>());
    let nextSlice = 0;
    let slice = 0;
    const logError = (error: unknown) => {
      deps.logger.error({ err: error }, 'signaling failed');
    };
    const { heartbeatMs, authTimeoutMs, messagesPerSecond, messageBurst } = deps.timings;
    const rate = { perSecond: messagesPerSecond, burst: messageBurst };
    // A presence mark outlives two missed heartbeats, not more.
    const hub = new SignalingHub(deps.store, Math.ceil((3 * heartbeatMs) / 1000), logError);

    // Each socket is pinged once per heartbeatMs, and each room refreshed once, a slice at a time.
    const heartbeat = setInterval(() => {
      slice = (slice + 1) % HEARTBEAT_SLICES;
      for (const socket of slices[slice] ?? []) socket.heartbeat();
      hub.refresh(slice, HEARTBEAT_SLICES);
    }, heartbeatMs / HEARTBEAT_SLICES);
    heartbeat.unref();

    await app.register(websocket, {
      options: { maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false },
      errorHandler: (error, socket) => {
        logError(error);
        socket.terminate();
      },
      // Sockets are told the server is going away (1001) and reconnect elsewhere.
      preClose: async () => {
        clearInterval(heartbeat);
        const open = [...sockets];
        for (const socket of open) socket.close(CLOSE.shutdown);
        const deadline = Date.now() + SHUTDOWN_GRACE_MS;
        while (sockets.size > 0 && Date.now() < deadline) await sleep(20);
        for (const client of app.websocketServer.clients) client.terminate();
        // Audit events and departures in flight are written before the database closes.
        await Promise.all(open.map((socket) => socket.settled()));
      },
    });

    app.route({
      method: 'GET',
      url: '/signaling',
      config: { public: true },
      // Both before the upgrade, as plain HTTP answers: a token in the URL would already sit in
      // proxy logs (so it is refused even when the rest is fine), and a page from a foreign
      // origin never gets a socket (browsers do not apply CORS to WebSockets).
      onRequest: async (request) => {
        if (request.raw.url?.includes('?') === true) throw new AppError('token_in_url');
        const origin = request.headers.origin;
        if (origin !== undefined && !allowed.has(origin)) throw new AppError('origin_not_allowed');
      },
      handler: async () => {
        throw new AppError('upgrade_required');
      },
      wsHandler: (socket, request) => {
        const signaling = new SignalingSocket(
          socket,
          { id: request.id, ip: request.ip },
          {
            keys: deps.keys,
            consultations: deps.consultations,
            hub,
            authTimeoutMs,
            rate,
            logger: deps.logger,
          },
          () => {
            sockets.delete(signaling);
            ownSlice.delete(signaling);
          },
        );
        const ownSlice = slices[nextSlice++ % HEARTBEAT_SLICES] ?? new Set();
        sockets.add(signaling);
        ownSlice.add(signaling);
      },
    });
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
