import type { Store, Unsubscribe } from '../../platform/store/store.js';
import type { RoomRole } from '../appointments/room-token.js';
import { CLOSE, type CloseReason, type ServerMessage, type SignalData } from './protocol.js';

/** One authenticated socket of this instance, as the hub sees it. */
export interface Member {
  readonly socketId: string;
  readonly userId: string;
  readonly role: RoomRole;
  /** A message, or one already serialized (a relayed signal is serialized once per room). */
  send(message: ServerMessage | string): void;
  /** Closes without announcing a departure: the peer already knows (replaced, ended). */
  closeQuietly(reason: CloseReason): void;
}

export interface RoomRef {
  tenantId: string;
  appointmentId: string;
  /** The end of the join window: the room's shared state is kept until then. */
  closesAt: Date;
}

/**
 * What instances tell each other about a room, on the room's own channel. `from` is the
 * sender's socket id; `role` its role: a message goes to the other role only.
 */
type Envelope = { room: string; from: string; role: RoomRole } & (
  | { kind: 'joined' }
  | { kind: 'left' }
  | { kind: 'admitted'; encounterId: string }
  | { kind: 'signal'; data: SignalData }
  | { kind: 'ended' }
  | { kind: 'replace'; userId: string }
);
type WithoutRoom<E> = E extends unknown ? Omit<E, 'room'> : never;
type EnvelopeBody = WithoutRoom<Envelope>;

/** A room as this instance holds it: its local sockets and what it knows of the room's state. */
export class Room {
  readonly members = new Set<Member>();
  admitted = false;
  encounterId: string | null = null;
  ended = false;
  /** Read after an await: an `ended` event may have arrived meanwhile. */
  hasEnded(): boolean {
    return this.ended;
  }

  /** Sockets between entering and joining: the subscription stays while any is on its way. */
  entering = 0;

  constructor(
    /** Spreads the rooms over the heartbeat's slices. */
    readonly slot: number,
    readonly key: string,
    readonly ref: RoomRef,
    readonly subscription: Promise<Unsubscribe>,
  ) {}
}

const other = (role: RoomRole): RoomRole => (role === 'doctor' ? 'patient' : 'doctor');

/**
 * The rooms this instance holds sockets of. Room state (admitted, ended) and presence live in
 * the shared store, each room's events travel on a channel of its own (one per tenant and
 * appointment), and each instance delivers an event only to its own sockets of that room and
 * of the other role. A waiting patient is sent no signal and no sign of the doctor.
 */
export class SignalingHub {
  private readonly rooms = new Map<string, Room>();
  private refreshing = false;
  private nextSlot = 0;

  constructor(
    private readonly store: Store,
    /** How long a presence mark lives without being refreshed by a heartbeat. */
    private readonly presenceSeconds: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * Joins a socket to its room. The instance subscribes to the room's channel before it reads
   * the room's state, so nothing published in between is missed; the socket is told `welcome`
   * and only then receives the room's events. Null when the room turns out to have ended.
   */
  async join(member: Member, ref: RoomRef, known: { encounterId: string | null }) {
    const room = this.enter(ref);
    try {
      await room.subscription;
      const shared = await this.sharedState(room);
      if (shared.ended || room.ended) return null;
      const encounterId = shared.encounterId ?? known.encounterId;
      if (encounterId !== null) this.markAdmitted(room, encounterId);

      await this.replaceOthers(room, member);
      await this.store.set(presenceKey(room, member.role), member.socketId, this.presenceSeconds);
      const peerPresent = (await this.store.get(presenceKey(room, other(member.role)))) !== null;
      if (room.hasEnded()) return null;
      member.send({
        type: 'welcome',
        role: member.role,
        state: room.admitted ? 'admitted' : 'waiting',
        peerPresent,
        encounterId: member.role === 'doctor' ? room.encounterId : null,
      });
      if (member.role === 'doctor' && peerPresent && !room.admitted)
        member.send({ type: 'patient-waiting' });
      room.members.add(member);
      await this.publish(room, { kind: 'joined', from: member.socketId, role: member.role });
      return room;
    } finally {
      room.entering--;
      await this.releaseIfEmpty(room);
    }
  }

  /** Removes a socket; unless it leaves quietly, the other participant is told. */
  async leave(room: Room, member: Member, announce: boolean): Promise<void> {
    if (!room.members.delete(member)) return;
    try {
      if (!announce) return;
      const presence = presenceKey(room, member.role);
      if ((await this.store.get(presence)) === member.socketId) await this.store.delete(presence);
      await this.publish(room, { kind: 'left', from: member.socketId, role: member.role });
    } finally {
      await this.releaseIfEmpty(room);
    }
  }

  /** Records the admission for every instance and tells both participants. */
  async admitted(room: Room, from: Member, encounterId: string): Promise<void> {
    await this.store.set(stateKey(room, 'admitted'), encounterId, ttlOf(room));
    await this.publish(room, {
      kind: 'admitted',
      from: from.socketId,
      role: from.role,
      encounterId,
    });
  }

  async ended(room: Room, from: Member): Promise<void> {
    await this.store.set(stateKey(room, 'ended'), '1', ttlOf(room));
    await this.publish(room, { kind: 'ended', from: from.socketId, role: from.role });
  }

  /** Whether a patient socket is in the room (on any instance), waiting or not. */
  async patientPresent(room: Room): Promise<boolean> {
    return (await this.store.get(presenceKey(room, 'patient'))) !== null;
  }

  async signal(room: Room, from: Member, data: SignalData): Promise<void> {
    await this.publish(room, { kind: 'signal', from: from.socketId, role: from.role, data });
  }

  /**
   * Run on every slice of the heartbeat for that slice's rooms: keeps the presence of live
   * sockets, and catches up with state a lost pub/sub message (a Redis reconnect) did not bring.
   */
  refresh(slice = 0, slices = 1): void {
    if (this.refreshing) return;
    this.refreshing = true;
    const due = [...this.rooms.values()].filter((room) => room.slot % slices === slice);
    void Promise.all(
      due.map(async (room) => {
        for (const member of room.members)
          await this.store.set(
            presenceKey(room, member.role),
            member.socketId,
            this.presenceSeconds,
          );
        if (room.ended) return;
        const shared = await this.sharedState(room);
        if (shared.ended) this.markEnded(room);
        else if (shared.encounterId !== null) this.markAdmitted(room, shared.encounterId);
      }),
    )
      .catch(this.onError)
      .finally(() => {
        this.refreshing = false;
      });
  }

  private enter(ref: RoomRef): Room {
    const key = `${ref.tenantId}:${ref.appointmentId}`;
    let room = this.rooms.get(key);
    if (room === undefined) {
      const subscription = this.store.subscribe(channelOf(key), (text) => {
        this.receive(key, text);
      });
      room = new Room(this.nextSlot++, key, ref, subscription);
      this.rooms.set(key, room);
    }
    room.entering++;
    return room;
  }

  private async releaseIfEmpty(room: Room): Promise<void> {
    if (room.members.size > 0 || room.entering > 0 || this.rooms.get(room.key) !== room) return;
    this.rooms.delete(room.key);
    try {
      await (
        await room.subscription
      )();
    } catch {
      // Never subscribed (the store was down): nothing to end.
    }
  }

  private async publish(room: Room, body: EnvelopeBody): Promise<void> {
    await this.store.publish(channelOf(room.key), JSON.stringify({ ...body, room: room.key }));
  }

  private async sharedState(room: Room): Promise<{ encounterId: string | null; ended: boolean }> {
    const [encounterId, ended] = await Promise.all([
      this.store.get(stateKey(room, 'admitted')),
      this.store.get(stateKey(room, 'ended')),
    ]);
    return { encounterId, ended: ended !== null };
  }

  private async replaceOthers(room: Room, member: Member): Promise<void> {
    this.closeReplaced(room, member.userId, member.socketId);
    await this.publish(room, {
      kind: 'replace',
      from: member.socketId,
      role: member.role,
      userId: member.userId,
    });
  }

  private closeReplaced(room: Room, userId: string, keep: string): void {
    for (const member of room.members) {
      if (member.userId !== userId || member.socketId === keep) continue;
      room.members.delete(member);
      member.closeQuietly(CLOSE.replaced);
    }
  }

  private markAdmitted(room: Room, encounterId: string): void {
    if (room.admitted) return;
    room.admitted = true;
    room.encounterId = encounterId;
    for (const member of room.members)
      member.send({ type: 'admitted', encounterId: member.role === 'doctor' ? encounterId : null });
  }

  private markEnded(room: Room): void {
    if (room.ended) return;
    room.ended = true;
    for (const member of [...room.members]) {
      room.members.delete(member);
      member.send({ type: 'ended' });
      member.closeQuietly(CLOSE.ended);
    }
    void this.releaseIfEmpty(room).catch(this.onError);
  }

  /** An event from any instance (this one included) for one room. */
  private receive(key: string, text: string): void {
    const room = this.rooms.get(key);
    if (room === undefined) return;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch {
      return;
    }
    // The channel is the room's own; a message naming another room is not for it.
    if (envelope.room !== key) return;
    switch (envelope.kind) {
      case 'signal':
        this.relay(room, envelope.role, JSON.stringify({ type: 'signal', data: envelope.data }));
        return;
      case 'joined':
      case 'left':
        this.announce(room, envelope.kind, envelope.role);
        return;
      case 'admitted':
        this.markAdmitted(room, envelope.encounterId);
        return;
      case 'ended':
        this.markEnded(room);
        return;
      case 'replace':
        this.closeReplaced(room, envelope.userId, envelope.from);
        return;
    }
  }

  /** A signal reaches the other role only, and only once the patient is admitted. */
  private relay(room: Room, senderRole: RoomRole, serialized: string): void {
    if (!room.admitted) return;
    for (const member of room.members) if (member.role !== senderRole) member.send(serialized);
  }

  /** The doctor hears of the patient in the waiting room; a waiting patient hears nothing. */
  private announce(room: Room, kind: 'joined' | 'left', role: RoomRole): void {
    for (const member of room.members) {
      if (member.role === role) continue;
      if (member.role === 'patient' && !room.admitted) continue;
      if (kind === 'left') member.send({ type: 'peer-left', role });
      else if (member.role === 'doctor' && !room.admitted) member.send({ type: 'patient-waiting' });
      else member.send({ type: 'peer-joined', role });
    }
  }
}

/** One channel per tenant and appointment: no other room can read it. */
function channelOf(roomKey: string): string {
  return `consult:${roomKey}`;
}

function stateKey(room: Room, what: 'admitted' | 'ended'): string {
  return `consult:${room.key}:${what}`;
}

function presenceKey(room: Room, role: RoomRole): string {
  return `consult:${room.key}:present:${role}`;
}

/** Until the join window closes; nothing is left behind in the store after it. */
function ttlOf(room: Room): number {
  return Math.max(1, Math.ceil((room.ref.closesAt.getTime() - Date.now()) / 1000));
}
