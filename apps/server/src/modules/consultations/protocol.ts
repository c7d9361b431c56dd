import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { RoomRole } from '../appointments/room-token.js';

/**
 * The signaling protocol (docs/signaling.md): what a browser may send, what it is sent, and
 * how a socket is closed. Every client message is checked against its schema before anything
 * reads it; a message that does not match closes the socket.
 */

/** A frame larger than this is closed by the WebSocket layer itself with 1009. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

const Description = Type.Object(
  {
    kind: Type.Union([Type.Literal('offer'), Type.Literal('answer')]),
    sdp: Type.String({ minLength: 1, maxLength: MAX_MESSAGE_BYTES }),
  },
  { additionalProperties: false },
);

/** RTCIceCandidateInit as browsers serialize it; an empty candidate ends the gathering. */
const Candidate = Type.Object(
  {
    kind: Type.Literal('candidate'),
    candidate: Type.Object(
      {
        candidate: Type.String({ maxLength: 2048 }),
        sdpMid: Type.Union([Type.String({ maxLength: 256 }), Type.Null()]),
        sdpMLineIndex: Type.Union([Type.Integer({ minimum: 0, maximum: 1024 }), Type.Null()]),
        usernameFragment: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const SignalData = Type.Union([Description, Candidate]);
export type SignalData = Static<typeof SignalData>;

const closed = { additionalProperties: false } as const;

export const ClientMessage = Type.Union([
  Type.Object(
    { type: Type.Literal('auth'), token: Type.String({ minLength: 1, maxLength: 4096 }) },
    closed,
  ),
  Type.Object({ type: Type.Literal('admit') }, closed),
  Type.Object({ type: Type.Literal('signal'), data: SignalData }, closed),
  Type.Object({ type: Type.Literal('end') }, closed),
  Type.Object({ type: Type.Literal('leave') }, closed),
]);
export type ClientMessage = Static<typeof ClientMessage>;

const clientMessage = TypeCompiler.Compile(ClientMessage);

/** The message in a text frame, or null when it is not JSON or matches no schema. */
export function parseClientMessage(text: string): ClientMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return clientMessage.Check(value) ? value : null;
}

/** A refused action that leaves the socket open (sent as `error`). */
export type ActionRefusal =
  | 'not_admitted'
  | 'forbidden'
  | 'patient_not_waiting'
  | 'appointment_cancelled'
  | 'outside_join_window';

export type ServerMessage =
  | {
      type: 'welcome';
      role: RoomRole;
      state: 'waiting' | 'admitted';
      peerPresent: boolean;
      encounterId: string | null;
    }
  | { type: 'patient-waiting' }
  | { type: 'admitted'; encounterId: string | null }
  | { type: 'peer-joined'; role: RoomRole }
  | { type: 'peer-left'; role: RoomRole }
  | { type: 'signal'; data: SignalData }
  | { type: 'ended' }
  | { type: 'error'; code: ActionRefusal };

/** Close codes and their reasons: a reason is a code, never data (RFC 6455 §7.4.2: 4000-4999). */
export const CLOSE = {
  left: { code: 1000, reason: 'left' },
  shutdown: { code: 1001, reason: 'going_away' },
  internal: { code: 1011, reason: 'internal_error' },
  ended: { code: 4000, reason: 'ended' },
  badMessage: { code: 4400, reason: 'bad_message' },
  unauthenticated: { code: 4401, reason: 'unauthenticated' },
  replaced: { code: 4409, reason: 'replaced' },
  consultationEnded: { code: 4410, reason: 'consultation_ended' },
  rateLimited: { code: 4429, reason: 'rate_limited' },
} as const;

/** 4403 carries the appointment's refusal as its reason. */
export const REFUSED_CODE = 4403;

export type CloseReason = (typeof CLOSE)[keyof typeof CLOSE];
