// SPEC §9: a video consultation can be joined from 15 minutes before its start until 60 minutes
// after its end. The server decides (409 outside_join_window); the screens only follow it.
import type { Appointment } from '../api/types';

export const JOIN_EARLY_MS = 15 * 60_000;
export const JOIN_LATE_MS = 60 * 60_000;

export function inJoinWindow(appointment: Appointment, now: number): boolean {
  const opens = Date.parse(appointment.start) - JOIN_EARLY_MS;
  const closes = Date.parse(appointment.end) + JOIN_LATE_MS;
  return now >= opens && now <= closes;
}

/** A booked video appointment whose room is open now. */
export function canJoin(appointment: Appointment, now: number): boolean {
  return (
    appointment.type === 'video' &&
    appointment.status === 'booked' &&
    inJoinWindow(appointment, now)
  );
}
