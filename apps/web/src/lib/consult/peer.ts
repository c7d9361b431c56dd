// One WebRTC negotiation between the doctor's and the patient's browsers. A reconnect or a
// re-offer builds a new Peer: nothing of an earlier negotiation is reused.
import type { IceCandidateData } from '../../api/signaling';
import type { IceServer } from '../../api/types';

export interface PeerHandlers {
  onCandidate: (candidate: IceCandidateData) => void;
  onRemoteStream: (stream: MediaStream) => void;
  onConnectionState: (state: RTCPeerConnectionState) => void;
}

export class Peer {
  private readonly pc: RTCPeerConnection;
  /** Candidates that arrived before the remote description they belong to. */
  private queued: RTCIceCandidateInit[] = [];

  constructor(iceServers: IceServer[], local: MediaStream, handlers: PeerHandlers) {
    // Only the clinic's own TURN server from the room token: no third-party STUN, ever.
    this.pc = new RTCPeerConnection({
      iceServers: iceServers.map((server) => ({
        urls: server.urls,
        username: server.username,
        credential: server.credential,
      })),
    });
    for (const track of local.getTracks()) this.pc.addTrack(track, local);
    this.pc.onicecandidate = (event) => {
      if (event.candidate === null || event.candidate.candidate === '') return;
      const c = event.candidate;
      handlers.onCandidate({
        candidate: c.candidate,
        sdpMid: c.sdpMid,
        sdpMLineIndex: c.sdpMLineIndex,
        usernameFragment: c.usernameFragment,
      });
    };
    this.pc.ontrack = (event) => {
      handlers.onRemoteStream(event.streams[0] ?? new MediaStream([event.track]));
    };
    this.pc.onconnectionstatechange = () => {
      handlers.onConnectionState(this.pc.connectionState);
    };
  }

  async offer(): Promise<string> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    return this.pc.localDescription?.sdp ?? '';
  }

  async answer(offerSdp: string): Promise<string> {
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    await this.flushCandidates();
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    return this.pc.localDescription?.sdp ?? '';
  }

  /** False when this peer is not waiting for an answer (an answer to an earlier offer). */
  async accept(answerSdp: string): Promise<boolean> {
    if (this.pc.signalingState !== 'have-local-offer') return false;
    await this.pc.setRemoteDescription({ type: 'answer', sdp: answerSdp });
    await this.flushCandidates();
    return true;
  }

  async addCandidate(candidate: IceCandidateData): Promise<void> {
    if (this.pc.remoteDescription === null) {
      this.queued.push(candidate);
      return;
    }
    await this.apply(candidate);
  }

  /** Video frames decoded from the other side so far: the receiver's own count (inbound-rtp). */
  async framesDecoded(): Promise<number> {
    const report = await this.pc.getStats();
    let frames = 0;
    report.forEach((stat: { type?: string; kind?: string; framesDecoded?: number }) => {
      if (stat.type === 'inbound-rtp' && stat.kind === 'video') frames += stat.framesDecoded ?? 0;
    });
    return frames;
  }

  close(): void {
    this.pc.onicecandidate = null;
    this.pc.ontrack = null;
    this.pc.onconnectionstatechange = null;
    this.pc.close();
  }

  private async flushCandidates(): Promise<void> {
    const queued = this.queued;
    this.queued = [];
    for (const candidate of queued) await this.apply(candidate);
  }

  private async apply(candidate: RTCIceCandidateInit): Promise<void> {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch {
      // A candidate of an earlier negotiation (another ufrag) still on its way: not ours.
    }
  }
}
