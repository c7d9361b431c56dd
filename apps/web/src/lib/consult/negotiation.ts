// The WebRTC side of a consultation: who offers, one negotiation at a time, and the receiver's
// statistics. The doctor offers; the patient answers every offer with a fresh peer.
import type { SignalData } from '../../api/signaling';
import type { IceServer } from '../../api/types';
import { Peer } from './peer';

/** What the negotiation needs from the session around it. */
export interface NegotiationHost {
  iceServers: () => IceServer[];
  localStream: () => MediaStream | null;
  send: (data: SignalData) => void;
  /** The other side's media (null when the peer is gone) and its decoded video frames. */
  onRemote: (stream: MediaStream | null, framesDecoded: number) => void;
  isDoctor: () => boolean;
}

/** An offer left unanswered this long no longer holds back the next one. */
const ANSWER_TIMEOUT_MS = 10_000;
const STATS_INTERVAL_MS = 1000;

export class Negotiation {
  private peer: Peer | null = null;
  private remote: MediaStream | null = null;
  private frames = 0;
  /** Signals are handled one at a time, in the order they came. */
  private signals: Promise<void> = Promise.resolve();
  /** Doctor: an offer waits for its answer; a second offer meanwhile would cross it. */
  private pending = false;
  private again = false;
  private answerTimer: number | undefined;
  private statsTimer: number | undefined;
  /**
   * Doctor: an offer went to the participant now in the room. `admitted` and `peer-joined` may
   * both announce one arrival; one offer answers both.
   */
  offered = false;

  constructor(private readonly host: NegotiationHost) {}

  /** Doctor: a new peer and its offer, unless one is still waiting for its answer. */
  offer(): void {
    if (this.pending) {
      this.again = true;
      return;
    }
    // A new peer drops the old one, and with it whatever the old offer was waiting for.
    const peer = this.newPeer();
    this.pending = true;
    this.again = false;
    this.offered = true;
    this.answerTimer = window.setTimeout(() => {
      this.settled();
    }, ANSWER_TIMEOUT_MS);
    peer.offer().then(
      (sdp) => {
        if (peer === this.peer) this.host.send({ kind: 'offer', sdp });
      },
      () => {
        this.settled();
      },
    );
  }

  receive(data: SignalData): void {
    this.signals = this.signals.then(() => this.handle(data)).catch(() => undefined);
  }

  /** The other side left (or never came): its peer, video and statistics go. */
  drop(): void {
    window.clearInterval(this.statsTimer);
    window.clearTimeout(this.answerTimer);
    this.pending = false;
    this.again = false;
    this.offered = false;
    this.peer?.close();
    this.peer = null;
    if (this.remote !== null || this.frames !== 0) this.report(null, 0);
  }

  private async handle(data: SignalData): Promise<void> {
    switch (data.kind) {
      case 'offer': {
        // Every offer starts a new negotiation (the doctor offers after each (re)join).
        const peer = this.newPeer();
        const sdp = await peer.answer(data.sdp);
        if (peer === this.peer) this.host.send({ kind: 'answer', sdp });
        return;
      }
      case 'answer':
        if (this.peer !== null && (await this.peer.accept(data.sdp))) this.settled();
        return;
      case 'candidate':
        await this.peer?.addCandidate(data.candidate);
        return;
    }
  }

  private settled(): void {
    window.clearTimeout(this.answerTimer);
    this.pending = false;
    if (this.again) this.offer();
  }

  private newPeer(): Peer {
    this.drop();
    const local = this.host.localStream() ?? new MediaStream();
    const peer: Peer = new Peer(this.host.iceServers(), local, {
      onCandidate: (candidate) => {
        if (peer === this.peer) this.host.send({ kind: 'candidate', candidate });
      },
      onRemoteStream: (stream) => {
        if (peer === this.peer) this.report(stream, this.frames);
      },
      onConnectionState: (state) => {
        // A path that died while both stay in the room: the doctor offers anew.
        if (peer === this.peer && state === 'failed' && this.host.isDoctor()) this.offer();
      },
    });
    this.peer = peer;
    this.statsTimer = window.setInterval(() => {
      void peer.framesDecoded().then(
        (frames) => {
          if (peer === this.peer && frames !== this.frames) this.report(this.remote, frames);
        },
        () => undefined,
      );
    }, STATS_INTERVAL_MS);
    return peer;
  }

  private report(stream: MediaStream | null, frames: number): void {
    this.remote = stream;
    this.frames = frames;
    this.host.onRemote(stream, frames);
  }
}
