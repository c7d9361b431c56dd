import crypto from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { SigningKeys } from '../../platform/keys/signing-keys.js';
import { verifyRoomToken } from '../appointments/room-token.js';
import type { Member, Room, SignalingHub } from './hub.js';
import {
  CLOSE,
  REFUSED_CODE,
  parseClientMessage,
  type ClientMessage,
  type ServerMessage,
} from './protocol.js';
import type { ConsultationService, Participant } from './service.js';

export const SIGNALING_ROUTE = '/api/v1/signaling';
/** What this class uses of a `ws` socket. */
export type Wire = Pick<WebSocket, 'on' | 'ping' | 'terminate' | 'close' | 'send' | 'readyState'>;

/** Messages received but not yet handled (an auth still being checked, a slow store). */
const MAX_PENDING = 32;
/** WebSocket.OPEN (RFC 6455 readyState). */
const WS_OPEN = 1;

export interface SocketDeps {
  keys: SigningKeys;
  consultations: ConsultationService;
  hub: SignalingHub;
  authTimeoutMs: number;
  rate: { perSecond: number; burst: number };
  logger: FastifyBaseLogger;
}

type Close = { code: number; reason: string };

/**
 * One signaling WebSocket: waits for `auth`, joins the room, then handles the participant's
 * messages one at a time, in order. Every way out goes through close(), which says why in the
 * close code and reason (never data) and writes one log line with ids only.
 */
export class SignalingSocket {
  readonly socketId = crypto.randomUUID();
  /** Answered the last ping (heartbeat). */
  private alive = true;
  private state: 'new' | 'authenticating' | 'joined' | 'closed' = 'new';
  private participant: Participant | null = null;
  private member: Member | null = null;
  private room: Room | null = null;
  private queue: Promise<void> = Promise.resolve();
  /** The departure being announced, if any: shutdown waits for it. */
  private leaving: Promise<void> = Promise.resolve();
  private pending = 0;
  private tokens: number;
  private refilledAt = performance.now();
  /** Why we closed, when it was us. */
  private closedWith: Close | null = null;
  private readonly openedAt = performance.now();
  private readonly authTimer: NodeJS.Timeout;

  constructor(
    private readonly socket: Wire,
    private readonly request: { id: string; ip: string },
    private readonly deps: SocketDeps,
    private readonly onGone: () => void,
  ) {
    this.tokens = deps.rate.burst;
    socket.on('message', (data, isBinary) => {
      this.receive(data, isBinary);
    });
    socket.on('pong', () => {
      this.alive = true;
    });
    socket.on('close', (code) => {
      this.closed(code);
    });
    this.authTimer = setTimeout(() => {
      if (this.state === 'new') this.close(CLOSE.unauthenticated);
    }, deps.authTimeoutMs);
  }

  /** Resolves once every message received so far has been handled and the departure told. */
  async settled(): Promise<void> {
    await this.queue;
    await this.leaving;
  }

  /** Pings; a socket that did not answer the previous ping is dead and is cut. */
  heartbeat(): void {
    if (this.state === 'closed') return;
    if (!this.alive) {
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  close(reason: Close): void {
    if (this.state === 'closed') return;
    const { room, member } = this;
    this.state = 'closed';
    this.closedWith = reason;
    clearTimeout(this.authTimer);
    if (room !== null && member !== null) {
      const quiet = reason.code === CLOSE.replaced.code || reason.code === CLOSE.ended.code;
      this.depart(room, member, !quiet);
    }
    this.socket.close(reason.code, reason.reason);
  }

  private receive(data: RawData, isBinary: boolean): void {
    if (this.state === 'closed') return;
    if (!this.takeToken() || this.pending >= MAX_PENDING) {
      this.close(CLOSE.rateLimited);
      return;
    }
    if (this.state === 'new') this.state = 'authenticating';
    const text = isBinary ? null : textOf(data);
    this.pending++;
    this.queue = this.queue
      .then(() => this.handle(text))
      .catch((error: unknown) => {
        this.logError(error);
        this.close(CLOSE.internal);
      })
      .finally(() => {
        this.pending--;
      });
  }

  /** The per-socket token bucket: a burst at once, then a steady rate. */
  private takeToken(): boolean {
    const now = performance.now();
    const { perSecond, burst } = this.deps.rate;
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) / 1000) * perSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private async handle(text: string | null): Promise<void> {
    if (this.state === 'closed') return;
    const message = text === null ? null : parseClientMessage(text);
    if (this.participant === null) {
      // The first message must be auth: anything else, even a malformed one, is unauthenticated.
      if (message?.type !== 'auth') this.close(CLOSE.unauthenticated);
      else await this.authenticate(message.token);
      return;
    }
    if (message === null || message.type === 'auth') {
      this.close(CLOSE.badMessage);
      return;
    }
    await this.act(message);
  }

  private async authenticate(token: string): Promise<void> {
    clearTimeout(this.authTimer);
    const claims = await verifyRoomToken(this.deps.keys, token);
    const tenant = claims === null ? null : await this.deps.consultations.tenant(claims.tenantId);
    if (claims === null || tenant === null) {
      this.close(CLOSE.unauthenticated);
      return;
    }
    const participant: Participant = {
      tenant,
      userId: claims.userId,
      role: claims.role,
      appointmentId: claims.room,
      requestId: this.request.id,
      clientIp: this.request.ip,
    };
    this.participant = participant;
    const joined = await this.deps.consultations.join(participant);
    if (!joined.ok) {
      this.close(
        joined.refusal === 'consultation_ended'
          ? CLOSE.consultationEnded
          : { code: REFUSED_CODE, reason: joined.refusal },
      );
      return;
    }
    if (this.isClosed()) return;

    const member = this.asMember(participant);
    const room = await this.deps.hub.join(
      member,
      {
        tenantId: tenant.tenantId,
        appointmentId: claims.room,
        closesAt: joined.appointment.closesAt,
      },
      { encounterId: joined.encounterId },
    );
    if (room === null) {
      this.close(CLOSE.consultationEnded);
      return;
    }
    this.member = member;
    this.room = room;
    if (this.isClosed()) {
      // Gone while joining: leave as any departing participant does.
      await this.deps.hub.leave(room, member, true);
      return;
    }
    this.state = 'joined';
  }

  /** State can change across an await (the client hangs up, a replacement closes this one). */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private async act(message: Exclude<ClientMessage, { type: 'auth' }>): Promise<void> {
    const { participant, member, room } = this;
    if (participant === null || member === null || room === null) return;
    switch (message.type) {
      case 'signal':
        // Never relayed before admission, either way: not to a waiting patient, not from one.
        if (!room.admitted) this.send({ type: 'error', code: 'not_admitted' });
        else await this.deps.hub.signal(room, member, message.data);
        return;
      case 'admit':
        await this.admit(participant, member, room);
        return;
      case 'end':
        if (participant.role !== 'doctor') {
          this.send({ type: 'error', code: 'forbidden' });
          return;
        }
        await this.deps.consultations.end(participant);
        await this.deps.hub.ended(room, member);
        return;
      case 'leave':
        this.close(CLOSE.left);
        return;
    }
  }

  private async admit(participant: Participant, member: Member, room: Room): Promise<void> {
    if (participant.role !== 'doctor') {
      this.send({ type: 'error', code: 'forbidden' });
      return;
    }
    if (room.admitted) {
      this.send({ type: 'admitted', encounterId: room.encounterId });
      return;
    }
    if (!(await this.deps.hub.patientPresent(room))) {
      this.send({ type: 'error', code: 'patient_not_waiting' });
      return;
    }
    const admitted = await this.deps.consultations.admit(participant);
    if (!admitted.ok) {
      if (admitted.refusal === 'consultation_ended') this.close(CLOSE.consultationEnded);
      else if (admitted.refusal === 'not_a_video_appointment')
        this.send({ type: 'error', code: 'forbidden' });
      else this.send({ type: 'error', code: admitted.refusal });
      return;
    }
    await this.deps.hub.admitted(room, member, admitted.encounterId);
  }

  private asMember(participant: Participant): Member {
    return {
      socketId: this.socketId,
      userId: participant.userId,
      role: participant.role,
      send: (message) => {
        this.send(message);
      },
      closeQuietly: (reason) => {
        // The hub has already taken the socket out of the room.
        this.room = null;
        this.close(reason);
      },
    };
  }

  private send(message: ServerMessage | string): void {
    if (this.socket.readyState !== WS_OPEN) return;
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The one log line of a socket: ids, the close code and our reason; never the client's. */
  private closed(code: number): void {
    const reason =
      this.closedWith?.reason ?? (code === 1006 ? 'connection_lost' : 'closed_by_client');
    if (this.state !== 'closed') {
      this.state = 'closed';
      clearTimeout(this.authTimer);
      if (this.room !== null && this.member !== null) this.depart(this.room, this.member, true);
    }
    this.onGone();
    const fields = {
      requestId: this.request.id,
      route: SIGNALING_ROUTE,
      status: code,
      ms: Math.round(performance.now() - this.openedAt),
      tenantId: this.participant?.tenant.tenantId,
      userId: this.participant?.userId,
      code: reason,
    };
    if (code === CLOSE.internal.code) this.deps.logger.error(fields, 'signaling socket closed');
    else this.deps.logger.info(fields, 'signaling socket closed');
  }

  private depart(room: Room, member: Member, announce: boolean): void {
    this.leaving = this.deps.hub.leave(room, member, announce).catch((error: unknown) => {
      this.logError(error);
    });
  }

  private logError(error: unknown): void {
    this.deps.logger.error({ err: error, requestId: this.request.id }, 'signaling failed');
  }
}

function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}
