// The messages of the consultation's signaling socket (the protocol the server and the web app
// agree on: one WebSocket per participant, the room token in the first message, never the URL).

export type ConsultRole = 'doctor' | 'patient';

export interface IceCandidateData {
  candidate: string;
  sdpMid: string | null;
  sdpMLineIndex: number | null;
  usernameFragment?: string | null;
}

export type SignalData =
  { kind: 'offer' | 'answer'; sdp: string } | { kind: 'candidate'; candidate: IceCandidateData };

export type ClientMessage =
  | { type: 'auth'; token: string }
  | { type: 'admit' }
  | { type: 'signal'; data: SignalData }
  | { type: 'end' }
  | { type: 'leave' };

export type ServerMessage =
  | {
      type: 'welcome';
      role: ConsultRole;
      state: 'waiting' | 'admitted';
      peerPresent: boolean;
      encounterId: string | null;
    }
  | { type: 'patient-waiting' }
  | { type: 'admitted'; encounterId: string | null }
  | { type: 'peer-joined'; role: ConsultRole }
  | { type: 'peer-left'; role: ConsultRole }
  | { type: 'signal'; data: SignalData }
  | { type: 'ended' }
  | { type: 'error'; code: string };

/** Close codes the server uses; anything else is a dropped connection worth reconnecting. */
export const CLOSE = {
  ended: 4000,
  badMessage: 4400,
  unauthenticated: 4401,
  refused: 4403,
  replaced: 4409,
  consultationEnded: 4410,
  rateLimited: 4429,
} as const;

/** Same origin, no query string: a token in a URL would land in proxy logs. */
export function signalingUrl(location: Location = window.location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/v1/signaling`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isRole(value: unknown): value is ConsultRole {
  return value === 'doctor' || value === 'patient';
}

function optionalString(value: unknown): value is string | null | undefined {
  return value === undefined || value === null || typeof value === 'string';
}

function parseSignal(data: unknown): SignalData | null {
  if (!isRecord(data)) return null;
  if ((data.kind === 'offer' || data.kind === 'answer') && typeof data.sdp === 'string') {
    return { kind: data.kind, sdp: data.sdp };
  }
  if (data.kind !== 'candidate' || !isRecord(data.candidate)) return null;
  const c = data.candidate;
  if (typeof c.candidate !== 'string' || !optionalString(c.sdpMid)) return null;
  const index = c.sdpMLineIndex;
  if (index !== undefined && index !== null && typeof index !== 'number') return null;
  if (!optionalString(c.usernameFragment)) return null;
  return {
    kind: 'candidate',
    candidate: {
      candidate: c.candidate,
      sdpMid: c.sdpMid ?? null,
      sdpMLineIndex: index ?? null,
      usernameFragment: c.usernameFragment ?? null,
    },
  };
}

/** A server frame as a typed message; null for anything this client does not understand. */
export function parseServerMessage(text: string): ServerMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(value)) return null;
  const encounterId = typeof value.encounterId === 'string' ? value.encounterId : null;
  switch (value.type) {
    case 'welcome':
      if (!isRole(value.role)) return null;
      if (value.state !== 'waiting' && value.state !== 'admitted') return null;
      return {
        type: 'welcome',
        role: value.role,
        state: value.state,
        peerPresent: value.peerPresent === true,
        encounterId,
      };
    case 'patient-waiting':
    case 'ended':
      return { type: value.type };
    case 'admitted':
      return { type: 'admitted', encounterId };
    case 'peer-joined':
    case 'peer-left':
      return isRole(value.role) ? { type: value.type, role: value.role } : null;
    case 'signal': {
      const data = parseSignal(value.data);
      return data === null ? null : { type: 'signal', data };
    }
    case 'error':
      return typeof value.code === 'string' ? { type: 'error', code: value.code } : null;
    default:
      return null;
  }
}
