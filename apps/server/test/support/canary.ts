import crypto from 'node:crypto';
import { LOG_FIELDS, LOG_ERROR_FIELDS } from '../../src/http/logging.js';

/**
 * SIG-5 canary. Every test file run gets its own marker; the harness writes it into the
 * free-text and identifying values it sends (names, kana, emails, phone, address, insurance
 * symbol and number, SOAP text, diagnosis names, amendment reasons), every log line the test
 * apps write is kept here, and canary-setup.ts fails the file if a marker shows up in any of
 * them or a line carries a field outside the logger's allowlist.
 */
const hex = crypto.randomBytes(5).toString('hex');

/** Lower-case ASCII: fits names, email local parts, free text and insurance symbols. */
export const MARKER = `mcx${hex}`;

/** The same marker in full-width katakana, for kana fields. */
export const KANA_MARKER = Array.from(hex.match(/./g) ?? [])
  .map((digit) => String.fromCodePoint(0x30a2 + 2 * parseInt(digit, 16)))
  .join('');

/** Eight digits for digit-only fields; '7' then seven random digits. */
export const DIGIT_MARKER = `7${String(crypto.randomInt(0, 10_000_000)).padStart(7, '0')}`;

/** A phone number made of the digit marker, as a clerk would type it. */
export const MARKED_PHONE = `090-${DIGIT_MARKER.slice(0, 4)}-${DIGIT_MARKER.slice(4)}`;

/** Appends the marker to a free-text value. */
export function marked(text: string): string {
  return `${text} ${MARKER}`;
}

const MARKER_FORMS = [MARKER, KANA_MARKER, DIGIT_MARKER, MARKED_PHONE];

/** Pino lines the test apps wrote (one JSON object each). */
const logLines: string[] = [];
/** Raw output of server processes (pino lines and terminal text): checked for markers only. */
const processOutput: string[] = [];

export function recordLogChunk(chunk: string): void {
  for (const line of chunk.split('\n')) if (line.trim() !== '') logLines.push(line);
}

export function recordProcessOutput(text: string): void {
  processOutput.push(text);
}

/** Removes lines a test wrote on purpose to prove the check catches them. */
export function forgetLogLines(predicate: (line: string) => boolean): void {
  for (let i = logLines.length - 1; i >= 0; i--) {
    if (predicate(logLines[i] ?? '')) logLines.splice(i, 1);
  }
}

export function capturedLogLineCount(): number {
  return logLines.length;
}

/** What is wrong with the captured output: one entry per offending line (marker or field). */
export function canaryProblems(): string[] {
  const problems: string[] = [];
  for (const line of logLines) problems.push(...lineProblems(line));
  for (const text of processOutput) {
    const form = MARKER_FORMS.find((m) => text.includes(m));
    if (form !== undefined) problems.push(`server process output carries the test marker ${form}`);
  }
  return problems;
}

function lineProblems(line: string): string[] {
  const problems: string[] = [];
  const form = MARKER_FORMS.find((m) => line.includes(m));
  if (form !== undefined) problems.push(`log line carries the test marker ${form}: ${line}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return [...problems, `log line is not JSON: ${line.slice(0, 200)}`];
  }
  const record = parsed as Record<string, unknown>;
  const extra = Object.keys(record).filter((key) => !LOG_FIELDS.has(key));
  for (const key of ['err', 'error']) {
    const err = record[key];
    if (err !== undefined && (typeof err !== 'object' || err === null)) {
      extra.push(`${key} (not an object)`);
    } else if (err !== undefined) {
      extra.push(
        ...Object.keys(err)
          .filter((k) => !LOG_ERROR_FIELDS.has(k))
          .map((k) => `${key}.${k}`),
      );
    }
  }
  if (extra.length > 0)
    problems.push(`log line has fields outside the allowlist: ${extra.join(', ')}`);
  return problems;
}
