// Where a consultation stands, as the page shows it, and how the server's refusals read.
import type { ApiError } from '../../api/client';
import { CLOSE, type ConsultRole } from '../../api/signaling';
import type { MediaRefusal } from './media';

/** Why the room will not open for this participant; none of these is retried on its own. */
export type RoomRefusal =
  'outsideWindow' | 'cancelled' | 'notVideo' | 'notFound' | 'forbidden' | 'replaced' | 'lost';

export type Phase =
  | { name: 'preparing' }
  | { name: 'media' }
  | { name: 'mediaRefused'; reason: MediaRefusal }
  | { name: 'connecting' }
  | { name: 'waiting' }
  | { name: 'call' }
  | { name: 'left' }
  | { name: 'ended' }
  | { name: 'refused'; reason: RoomRefusal; error: ApiError | null };

export interface ConsultState {
  phase: Phase;
  role: ConsultRole | null;
  /** The socket dropped and is being reopened; the call's media may still flow meanwhile. */
  reconnecting: boolean;
  /** Doctor: a patient is in the waiting room. */
  patientWaiting: boolean;
  peerPresent: boolean;
  /** Doctor: the video encounter opened on admission, where the SOAP note is written. */
  encounterId: string | null;
  localStream: MediaStream | null;
  remoteStream: MediaStream | null;
  micOn: boolean;
  cameraOn: boolean;
  /** The receiver's decoded video frames (RTCPeerConnection stats, inbound-rtp). */
  framesDecoded: number;
}

export const INITIAL: ConsultState = {
  phase: { name: 'preparing' },
  role: null,
  reconnecting: false,
  patientWaiting: false,
  peerPresent: false,
  encounterId: null,
  localStream: null,
  remoteStream: null,
  micOn: true,
  cameraOn: true,
  framesDecoded: 0,
};

export function refusalOfApi(error: ApiError): RoomRefusal | null {
  const refusal = refusalOfCode(error.code);
  if (refusal !== null) return refusal;
  if (error.status === 404) return 'notFound';
  if (error.status === 403 || error.status === 401) return 'forbidden';
  return null;
}

/** What a close code says (the reason is the server's error code, never data). */
export function refusalOfClose(code: number, reason: string): RoomRefusal | null {
  if (code === CLOSE.replaced) return 'replaced';
  if (code === CLOSE.unauthenticated) return 'lost';
  if (code !== CLOSE.refused) return null;
  return refusalOfCode(reason) ?? 'forbidden';
}

/** The codes a closed room answers with, over HTTP, in a close reason or an `error`. */
export function refusalOfCode(code: string): RoomRefusal | null {
  switch (code) {
    case 'outside_join_window':
      return 'outsideWindow';
    case 'appointment_cancelled':
      return 'cancelled';
    case 'not_a_video_appointment':
      return 'notVideo';
    default:
      return null;
  }
}
