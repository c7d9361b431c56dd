import Assembler from 'stream-json/assembler.js';
import { parseFile } from 'stream-json/file/parser.js';
import type { Token } from 'stream-json/parser.js';
import { isRecord, MappingError } from './json.js';

/** One resource out of a file: a Bundle entry's resource, or the file's single resource. */
export interface FileResource {
  /** Position in the file (entry number, or 0 for a single resource): stable across reads. */
  index: number;
  resource: unknown;
  /** JSON path of the resource, e.g. `$.entry[12].resource`. */
  path: string;
  fullUrl: string | null;
}

/**
 * Streams the resources out of a FHIR JSON file without holding the whole file: a Bundle's
 * entries are assembled one at a time, so memory follows the largest entry, not the file.
 * Invalid JSON is reported with the JSON path where parsing stopped.
 */
export async function* readResources(file: string): AsyncGenerator<FileResource> {
  const reader = new TopLevelReader();
  const tracker = new PathTracker();
  const tokens = parseFile({ streamValues: false })(file);
  try {
    for (;;) {
      let next: IteratorResult<Token>;
      try {
        next = await tokens.next();
      } catch (error) {
        if (isFsError(error)) throw error;
        throw new MappingError(tracker.path(), `invalid JSON (${parserReason(error)})`);
      }
      if (next.done === true) break;
      tracker.consume(next.value);
      const entry = reader.consume(next.value);
      if (entry !== null) yield entry;
    }
  } finally {
    // Stopping early (a bad entry, a failed write) must still close the file.
    await tokens.return(undefined);
  }
  // The parser does not complain about a file that stops mid-value: the open levels tell.
  if (tracker.open) throw new MappingError(tracker.path(), 'invalid JSON (the file ends early)');
  const single = reader.finish();
  if (single !== null) yield single;
}

/**
 * Top-level object keys are assembled whole (they are small), except `entry`, whose elements
 * are handed out one by one as soon as each is complete.
 */
class TopLevelReader {
  private depth = 0;
  private key: string | null = null;
  private readonly top: Record<string, unknown> = {};
  private value: Assembler | null = null;
  private inEntries = false;
  private entryIndex = -1;
  private sawTopObject = false;

  consume(token: Token): FileResource | null {
    if (this.value !== null) return this.feed(token);
    if (this.depth === 0) {
      if (token.name !== 'startObject')
        throw new MappingError('$', 'not a FHIR resource (expected a JSON object)');
      this.sawTopObject = true;
      this.depth = 1;
      return null;
    }
    if (this.inEntries) return this.entryToken(token);
    if (token.name === 'keyValue') {
      this.key = token.value;
      return null;
    }
    if (token.name === 'endObject') {
      this.depth = 0;
      return null;
    }
    // A Bundle's entries stream; anything else that happens to have `entry` (a List) is kept whole.
    const bundleSoFar = (this.top.resourceType ?? 'Bundle') === 'Bundle';
    if (this.key === 'entry' && token.name === 'startArray' && bundleSoFar) {
      this.inEntries = true;
      return null;
    }
    this.value = new Assembler();
    return this.feed(token);
  }

  finish(): FileResource | null {
    if (!this.sawTopObject) throw new MappingError('$', 'not a FHIR resource (the file is empty)');
    if (this.top.resourceType === 'Bundle') return null;
    if (this.entryIndex >= 0) {
      throw new MappingError('$.resourceType', 'must name Bundle when the file has entries');
    }
    return { index: 0, resource: this.top, path: '$', fullUrl: null };
  }

  private entryToken(token: Token): FileResource | null {
    if (token.name === 'endArray') {
      this.inEntries = false;
      return null;
    }
    this.entryIndex += 1;
    this.value = new Assembler();
    return this.feed(token);
  }

  /** Feeds a value being assembled; returns the entry when one completes. */
  private feed(token: Token): FileResource | null {
    const assembler = this.value;
    if (assembler === null) return null;
    assembler.consume(token);
    if (!assembler.done) return null;
    this.value = null;
    if (!this.inEntries) {
      if (this.key !== null) this.top[this.key] = assembler.current;
      return null;
    }
    return toEntry(assembler.current, this.entryIndex);
  }
}

function toEntry(entry: unknown, index: number): FileResource {
  const path = `$.entry[${index}]`;
  if (!isRecord(entry)) throw new MappingError(path, 'must be an object');
  const fullUrl = entry.fullUrl;
  if (fullUrl !== undefined && typeof fullUrl !== 'string') {
    throw new MappingError(`${path}.fullUrl`, 'must be a string');
  }
  return { index, resource: entry.resource, path: `${path}.resource`, fullUrl: fullUrl ?? null };
}

// Tokens that begin a value (with packed values, a scalar is a single token).
const VALUE_STARTS = new Set<Token['name']>([
  'startObject',
  'startArray',
  'stringValue',
  'numberValue',
  'nullValue',
  'trueValue',
  'falseValue',
]);

/** Follows the parser's position so an invalid-JSON report can say where it happened. */
class PathTracker {
  private readonly stack: { key: string | null; index: number; array: boolean }[] = [];

  consume(token: Token): void {
    const top = this.stack[this.stack.length - 1];
    const name = token.name;
    if (name === 'endObject' || name === 'endArray') {
      this.stack.pop();
    } else if (name === 'keyValue') {
      if (top !== undefined) top.key = token.value;
    } else if (VALUE_STARTS.has(name)) {
      if (top?.array === true) top.index += 1;
      if (name === 'startObject' || name === 'startArray') {
        this.stack.push({ key: null, index: -1, array: name === 'startArray' });
      }
    }
  }

  get open(): boolean {
    return this.stack.length > 0;
  }

  path(): string {
    return this.stack.reduce((path, level) => {
      if (level.array) return level.index < 0 ? path : `${path}[${level.index}]`;
      return level.key === null ? path : `${path}.${level.key}`;
    }, '$');
  }
}

function isFsError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

/** The parser's own words, minus its prefix; it never quotes the input. */
function parserReason(error: unknown): string {
  if (!(error instanceof Error)) return 'unreadable';
  return error.message.replace(/^Parser (cannot parse input: )?/, '').replace(/^has /, '');
}
