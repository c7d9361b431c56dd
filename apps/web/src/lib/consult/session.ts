// One participant's side of a video consultation: the room token, the camera and microphone, the
// signaling socket (reconnected with backoff) and the WebRTC peer. React reads its state through
// subscribe/snapshot; nothing here touches the DOM.
import { getVideoToken } from '../../api/appointments';
import { asApiError, type ApiError } from '../../api/client';
import {
  CLOSE,
  parseServerMessage,
  signalingUrl,
  type ClientMessage,
  type ServerMessage,
} from '../../api/signaling';
import type { VideoToken } from '../../api/types';
import { MediaUnavailable, openCameraAndMicrophone, stopStream } from './media';
import { Negotiation } from './negotiation';
import {
  INITIAL,
  refusalOfApi,
  refusalOfClose,
  refusalOfCode,
  type ConsultState,
  type RoomRefusal,
} from './state';

export type { ConsultState, Phase, RoomRefusal } from './state';

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000];
const MAX_RECONNECTS = 12;
/** A token this close to its end is not sent: it could expire on the way. */
const TOKEN_MARGIN_MS = 30_000;

export class ConsultSession {
  private state: ConsultState = INITIAL;
  private readonly listeners = new Set<() => void>();
  private token: VideoToken | null = null;
  /** The TURN servers of the latest token; never any other STUN or TURN server. */
  private iceServers: VideoToken['iceServers'] = [];
  private socket: WebSocket | null = null;
  private disposed = false;
  private left = false;
  private admitted = false;
  private reconnects = 0;
  private retryTimer: number | undefined;
  private readonly rtc = new Negotiation({
    iceServers: () => this.iceServers,
    localStream: () => this.state.localStream,
    send: (data) => {
      this.send({ type: 'signal', data });
    },
    onRemote: (remoteStream, framesDecoded) => {
      this.set({ remoteStream, framesDecoded });
    },
    isDoctor: () => this.state.role === 'doctor',
  });

  constructor(private readonly appointmentId: string) {}

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  readonly snapshot = (): ConsultState => this.state;

  /** Token first, so a closed room says so before the camera is asked for; then media, then in. */
  async start(): Promise<void> {
    this.left = false;
    this.reconnects = 0;
    this.set({ ...INITIAL, micOn: this.state.micOn, cameraOn: this.state.cameraOn });
    if (!(await this.fetchToken())) return;
    await this.openMedia();
  }

  async retryMedia(): Promise<void> {
    await this.openMedia();
  }

  admit(): void {
    this.send({ type: 'admit' });
  }

  /** Doctor: ends the consultation for both; the server answers `ended` to each. */
  end(): void {
    this.send({ type: 'end' });
  }

  /** Patient: leaves the room; the doctor sees them go and may see them come back. */
  leave(): void {
    this.left = true;
    this.send({ type: 'leave' });
    this.teardown();
    this.set({ phase: { name: 'left' }, reconnecting: false });
  }

  setMic(on: boolean): void {
    for (const track of this.state.localStream?.getAudioTracks() ?? []) track.enabled = on;
    this.set({ micOn: on });
  }

  setCamera(on: boolean): void {
    for (const track of this.state.localStream?.getVideoTracks() ?? []) track.enabled = on;
    this.set({ cameraOn: on });
  }

  dispose(): void {
    if (this.disposed) return;
    this.send({ type: 'leave' });
    this.disposed = true;
    this.teardown();
  }

  // --- steps ---

  private async fetchToken(): Promise<boolean> {
    try {
      const token = await getVideoToken(this.appointmentId);
      if (this.disposed) return false;
      this.token = token;
      this.iceServers = token.iceServers;
      return true;
    } catch (err) {
      if (this.disposed) return false;
      const error = asApiError(err);
      if (error.code === 'consultation_ended') {
        this.finish();
        return false;
      }
      const reason = refusalOfApi(error);
      // A room that refuses is final; a network hiccup while reconnecting is tried again.
      if (reason !== null || !this.inRoom()) this.refuse(reason ?? 'lost', error);
      return false;
    }
  }

  private async openMedia(): Promise<void> {
    this.set({ phase: { name: 'media' } });
    try {
      const stream = await openCameraAndMicrophone();
      if (this.disposed) {
        stopStream(stream);
        return;
      }
      for (const track of stream.getAudioTracks()) track.enabled = this.state.micOn;
      for (const track of stream.getVideoTracks()) track.enabled = this.state.cameraOn;
      this.set({ localStream: stream, phase: { name: 'connecting' } });
      this.connect();
    } catch (err) {
      if (this.disposed) return;
      const reason = err instanceof MediaUnavailable ? err.reason : 'other';
      this.set({ phase: { name: 'mediaRefused', reason } });
    }
  }

  private connect(): void {
    const token = this.token;
    if (token === null || Date.parse(token.expiresAt) - Date.now() < TOKEN_MARGIN_MS) {
      this.reconnect();
      return;
    }
    // Each room token opens one socket; a reconnect fetches a fresh one.
    this.token = null;
    const socket = new WebSocket(signalingUrl());
    this.socket = socket;
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: 'auth', token: token.roomToken } satisfies ClientMessage));
    };
    socket.onmessage = (event: MessageEvent<unknown>) => {
      if (socket !== this.socket || typeof event.data !== 'string') return;
      const message = parseServerMessage(event.data);
      if (message !== null) this.onMessage(message);
    };
    socket.onclose = (event) => {
      if (socket !== this.socket) return;
      this.socket = null;
      this.onClose(event.code, event.reason);
    };
  }

  /** After a dropped socket: a fresh token, a new socket, waiting longer each time. */
  private reconnect(): void {
    if (this.disposed || this.left) return;
    if (this.reconnects >= MAX_RECONNECTS) {
      this.refuse('lost', null);
      return;
    }
    const delay = BACKOFF_MS[Math.min(this.reconnects, BACKOFF_MS.length - 1)] ?? 0;
    this.reconnects += 1;
    this.set({ reconnecting: this.inRoom() });
    window.clearTimeout(this.retryTimer);
    this.retryTimer = window.setTimeout(() => {
      void this.fetchToken().then((ok) => {
        if (this.disposed || this.left || this.isTerminal()) return;
        if (ok) this.connect();
        else this.reconnect();
      });
    }, delay);
  }

  private onClose(code: number, reason: string): void {
    if (this.disposed || this.left) return;
    if (code === CLOSE.ended || code === CLOSE.consultationEnded) {
      this.finish();
      return;
    }
    const refusal = refusalOfClose(code, reason);
    if (refusal !== null) {
      this.refuse(refusal, null);
      return;
    }
    this.reconnect();
  }

  private onMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome':
        this.onWelcome(message);
        return;
      case 'patient-waiting':
        this.set({ patientWaiting: true, peerPresent: true });
        return;
      case 'admitted':
        this.admitted = true;
        this.set({
          phase: { name: 'call' },
          patientWaiting: false,
          peerPresent: true,
          encounterId: message.encounterId ?? this.state.encounterId,
        });
        if (this.state.role === 'doctor' && !this.rtc.offered) this.rtc.offer();
        return;
      case 'peer-joined':
        this.set({ peerPresent: true });
        // The doctor renegotiates with a participant who (re)joined after the admission.
        if (this.admitted && this.state.role === 'doctor' && !this.rtc.offered) this.rtc.offer();
        return;
      case 'peer-left':
        this.rtc.drop();
        this.set({ peerPresent: false, patientWaiting: false });
        return;
      case 'signal':
        if (!this.disposed) this.rtc.receive(message.data);
        return;
      case 'ended':
        this.finish();
        return;
      case 'error':
        this.onRefusedAction(message.code);
        return;
    }
  }

  /** An action the server refused without closing the socket. */
  private onRefusedAction(code: string): void {
    // The patient left the waiting room just before the doctor admitted them.
    if (code === 'patient_not_waiting') this.set({ patientWaiting: false });
    // The appointment changed since the join (cancelled, moved): the room is closed now.
    const refusal = refusalOfCode(code);
    if (refusal !== null) this.refuse(refusal, null);
    // not_admitted, forbidden: a message of ours that was early or not ours to send; no change.
  }

  private onWelcome(message: Extract<ServerMessage, { type: 'welcome' }>): void {
    this.reconnects = 0;
    this.admitted = message.state === 'admitted';
    this.set({
      role: message.role,
      reconnecting: false,
      peerPresent: message.peerPresent,
      patientWaiting: message.role === 'doctor' && !this.admitted && message.peerPresent,
      encounterId: message.encounterId ?? this.state.encounterId,
      phase: { name: this.admitted ? 'call' : 'waiting' },
    });
    if (!message.peerPresent) this.rtc.drop();
    // Back after a dropped socket: the doctor offers again to a patient already in the room.
    if (this.admitted && message.peerPresent && message.role === 'doctor') this.rtc.offer();
  }

  // --- plumbing ---

  private send(message: ClientMessage): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private inRoom(): boolean {
    const name = this.state.phase.name;
    return name === 'waiting' || name === 'call' || name === 'connecting';
  }

  private isTerminal(): boolean {
    const name = this.state.phase.name;
    return name === 'ended' || name === 'refused' || name === 'left';
  }

  private finish(): void {
    this.teardown();
    this.set({ phase: { name: 'ended' }, reconnecting: false });
  }

  private refuse(reason: RoomRefusal, error: ApiError | null): void {
    this.teardown();
    this.set({ phase: { name: 'refused', reason, error }, reconnecting: false });
  }

  /** Closes the socket and the peer and gives the camera and microphone back. */
  private teardown(): void {
    window.clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000);
    this.rtc.drop();
    stopStream(this.state.localStream);
    if (!this.disposed) this.set({ localStream: null });
  }

  private set(patch: Partial<ConsultState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }
}
