// Japan time for records that must read the same on every screen: a laptop set to UTC or a
// colleague abroad still sees when something happened at the clinic.
import { parseCalendarDate } from './format';

/** JST is UTC+9 all year: Japan has had no daylight saving time since 1951. */
const TOKYO_OFFSET_MS = 9 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The instant a Tokyo calendar day ("YYYY-MM-DD") begins, as a UTC ISO string. */
export function tokyoDayStart(date: string): string | null {
  const day = parseCalendarDate(date);
  if (!day) return null;
  return new Date(Date.UTC(day.year, day.month - 1, day.day) - TOKYO_OFFSET_MS).toISOString();
}

/** The instant the next Tokyo day begins: the exclusive end of `date`, as a UTC ISO string. */
export function tokyoDayEnd(date: string): string | null {
  const start = tokyoDayStart(date);
  return start === null ? null : new Date(Date.parse(start) + DAY_MS).toISOString();
}

const tokyoFormat = new Intl.DateTimeFormat('ja-JP', {
  timeZone: 'Asia/Tokyo',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

/** "2026/12/04 15:30:05" in Japan time; seconds matter when events are read in order. */
export function formatTokyoDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : tokyoFormat.format(date);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** The Tokyo calendar day ("YYYY-MM-DD") an instant falls on. */
export function tokyoDateOf(instant: Date | string): string {
  const shifted = new Date(new Date(instant).getTime() + TOKYO_OFFSET_MS);
  return `${shifted.getUTCFullYear()}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())}`;
}

/** The Tokyo wall-clock time ("HH:MM") of an instant. */
export function tokyoTimeOf(instant: Date | string): string {
  const shifted = new Date(new Date(instant).getTime() + TOKYO_OFFSET_MS);
  return `${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}`;
}

/** Today in Tokyo, whatever the device's time zone. */
export function tokyoToday(now: Date = new Date()): string {
  return tokyoDateOf(now);
}

/** The calendar day `days` after (or before) `date`; null for a date that is not one. */
export function addDays(date: string, days: number): string | null {
  const start = tokyoDayStart(date);
  return start === null ? null : tokyoDateOf(new Date(Date.parse(start) + days * DAY_MS));
}

/** The instant of a Tokyo date and wall-clock time ("HH:MM"), as a UTC ISO string. */
export function tokyoInstant(date: string, time: string): string | null {
  const start = tokyoDayStart(date);
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (start === null || !match) return null;
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  return new Date(Date.parse(start) + minutes * 60_000).toISOString();
}

const dayFormat = new Intl.DateTimeFormat('ja-JP', {
  timeZone: 'Asia/Tokyo',
  year: 'numeric',
  month: 'long',
  day: 'numeric',
  weekday: 'short',
});

/** "2026年12月4日(金)" for a Tokyo calendar day. */
export function formatTokyoDay(date: string): string {
  const start = tokyoDayStart(date);
  return start === null ? date : dayFormat.format(new Date(start));
}
