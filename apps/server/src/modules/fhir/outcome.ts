/** What happened to one resource. "skipped" always carries the reason the summary shows. */
export type Outcome =
  | { kind: 'taken' }
  /** `localId` when the update moved the resource to a new row (a diagnosis in a new version). */
  | { kind: 'updated'; localId?: string }
  | { kind: 'skipped'; reason: string };

export const TAKEN: Outcome = { kind: 'taken' };
export const UPDATED: Outcome = { kind: 'updated' };
export const UNCHANGED: Outcome = { kind: 'skipped', reason: 'unchanged' };

export function skipped(reason: string): Outcome {
  return { kind: 'skipped', reason };
}

/** Thrown while resolving: the resource is well-formed but cannot be taken, for this reason. */
export class Skipped extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'Skipped';
  }
}

/**
 * Thrown while resolving: a reference points at something not imported yet, which a later
 * entry of this file or a later file may bring. The resource is tried again after those.
 */
export class Pending extends Error {
  /** The key (see references.ts) of the resource waited for. */
  constructor(readonly key: string) {
    super('waiting for a referenced resource');
    this.name = 'Pending';
  }
}

/** A file whose resources still wait for references after every pass: try it after the others. */
export class Deferred extends Error {
  constructor(readonly missing: Set<string>) {
    super('the file waits for resources in other files');
    this.name = 'Deferred';
  }
}
