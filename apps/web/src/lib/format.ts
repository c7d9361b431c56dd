// Dates for Japanese readers: 1980年4月1日 for calendar dates, 2026/12/04 15:30 for instants.
import { t } from '../i18n';

interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

/** Reads "YYYY-MM-DD" without going through Date, so no time zone can shift the day. */
export function parseCalendarDate(value: string): CalendarDate | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return null;
  return { year, month, day };
}

export function formatCalendarDate(value: string): string {
  const date = parseCalendarDate(value);
  if (!date) return value;
  return `${date.year}年${date.month}月${date.day}日`;
}

const eraFormat = new Intl.DateTimeFormat('ja-JP-u-ca-japanese', {
  era: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});

/** 和暦 year, e.g. "昭和55年", which many patients and forms still use. */
export function formatEraYear(value: string): string | null {
  const date = parseCalendarDate(value);
  if (!date) return null;
  return eraFormat.format(new Date(Date.UTC(date.year, date.month - 1, date.day)));
}

/** Full years on `today` (local calendar); a 2/29 birthday counts from 3/1 in common years. */
export function ageOn(birthDate: string, today: Date = new Date()): number | null {
  const birth = parseCalendarDate(birthDate);
  if (!birth) return null;
  const month = today.getMonth() + 1;
  const day = today.getDate();
  const hadBirthday = month > birth.month || (month === birth.month && day >= birth.day);
  const age = today.getFullYear() - birth.year - (hadBirthday ? 0 : 1);
  return age >= 0 ? age : null;
}

/** "1980年4月1日（昭和55年）45歳" */
export function formatBirthDate(value: string): string {
  const age = ageOn(value);
  const era = formatEraYear(value);
  const parts = [formatCalendarDate(value)];
  if (era) parts.push(`（${era}）`);
  if (age !== null) parts.push(` ${t.date.age(age)}`);
  return parts.join('');
}

const dateTimeFormat = new Intl.DateTimeFormat('ja-JP', {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTimeFormat.format(date);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** The value a <input type="datetime-local"> expects, in the browser's time zone. */
export function toDateTimeLocal(date: Date): string {
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  return `${day}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** Today's date as "YYYY-MM-DD" in the browser's time zone. */
export function todayCalendarDate(): string {
  return toDateTimeLocal(new Date()).slice(0, 10);
}

const timeFormat = new Intl.DateTimeFormat('ja-JP', {
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** "15:30" in the browser's time zone. */
export function formatTime(date: Date): string {
  return timeFormat.format(date);
}
