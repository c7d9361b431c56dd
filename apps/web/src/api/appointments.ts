// Appointments and the video-consultation ticket (docs/api.md "Appointments").
import { requestJson, withQuery } from './client';
import type { Appointment, AppointmentInput, AppointmentQuery, Page, VideoToken } from './types';

/** A day rarely holds more than a page; a runaway list stops here rather than looping on. */
const MAX_PAGES = 10;

function appointmentPath(id: string, action?: string): string {
  const base = `/api/v1/appointments/${encodeURIComponent(id)}`;
  return action === undefined ? base : `${base}/${action}`;
}

export function listAppointmentPage(
  query: AppointmentQuery,
  cursor: string | null,
  signal?: AbortSignal,
): Promise<Page<Appointment>> {
  return requestJson(withQuery('/api/v1/appointments', { ...query, limit: 100, cursor }), {
    signal,
  });
}

/** Every appointment matching `query` (a day, a patient's months), earliest first. */
export async function listAppointments(
  query: AppointmentQuery,
  signal?: AbortSignal,
): Promise<Appointment[]> {
  const items: Appointment[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const next: Page<Appointment> = await listAppointmentPage(query, cursor, signal);
    items.push(...next.items);
    cursor = next.nextCursor;
    if (cursor === null) break;
  }
  return items;
}

export function getAppointment(id: string, signal?: AbortSignal): Promise<Appointment> {
  return requestJson(appointmentPath(id), { signal });
}

/** 409 doctor_double_booked when the doctor already has an overlapping appointment. */
export function bookAppointment(input: AppointmentInput): Promise<Appointment> {
  return requestJson('/api/v1/appointments', { method: 'POST', body: input });
}

export function rescheduleAppointment(
  id: string,
  start: string,
  end: string,
): Promise<Appointment> {
  return requestJson(appointmentPath(id), { method: 'PATCH', body: { start, end } });
}

/** Cancelled, never deleted: the reason (2–500 characters) stays with the appointment. */
export function cancelAppointment(id: string, cancelReason: string): Promise<Appointment> {
  return requestJson(appointmentPath(id), {
    method: 'PATCH',
    body: { status: 'cancelled', cancelReason },
  });
}

/**
 * The room token for the signaling socket (valid five minutes) and the TURN servers. 409
 * outside_join_window, appointment_cancelled or not_a_video_appointment when the room is shut.
 */
export function getVideoToken(id: string, signal?: AbortSignal): Promise<VideoToken> {
  return requestJson(appointmentPath(id, 'video-token'), { signal });
}
