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
