import type { Outcome } from './outcome.js';

interface TypeTally {
  taken: number;
  updated: number;
  skipped: Map<string, number>;
}

// The types we import first, in the order a reader thinks of them; the rest alphabetically.
const ORDER = [
  'Patient',
  'Practitioner',
  'Organization',
  'Encounter',
  'Condition',
  'Observation',
  'MedicationRequest',
  'Coverage',
];

/** Counts per resource type: taken, updated, and skipped by reason. */
export class Tally {
  resources = 0;
  private readonly byType = new Map<string, TypeTally>();

  add(type: string, outcome: Outcome): void {
    const tally = this.typeTally(type);
    if (outcome.kind === 'skipped') {
      tally.skipped.set(outcome.reason, (tally.skipped.get(outcome.reason) ?? 0) + 1);
    } else {
      tally[outcome.kind] += 1;
    }
  }

  merge(other: Tally): void {
    this.resources += other.resources;
    for (const [type, counts] of other.byType) {
      const tally = this.typeTally(type);
      tally.taken += counts.taken;
      tally.updated += counts.updated;
      for (const [reason, n] of counts.skipped)
        tally.skipped.set(reason, (tally.skipped.get(reason) ?? 0) + n);
    }
  }

  types(): [string, TypeTally][] {
    const rank = (type: string) => (ORDER.includes(type) ? ORDER.indexOf(type) : ORDER.length);
    return [...this.byType].sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  }

  total(kind: 'taken' | 'updated'): number {
    return [...this.byType.values()].reduce((sum, tally) => sum + tally[kind], 0);
  }

  /** Counts only, by type: what the audit event keeps (no names, no reasons with data in them). */
  auditCounts(): Record<string, { taken: number; updated: number; skipped: number }> {
    return Object.fromEntries(
      this.types().map(([type, tally]) => [
        type,
        {
          taken: tally.taken,
          updated: tally.updated,
          skipped: sum(tally.skipped),
        },
      ]),
    );
  }

  private typeTally(type: string): TypeTally {
    let tally = this.byType.get(type);
    if (tally === undefined) {
      tally = { taken: 0, updated: 0, skipped: new Map() };
      this.byType.set(type, tally);
    }
    return tally;
  }
}

export interface ImportReport {
  files: number;
  /** One line per failed file: the file, the JSON path, what is wrong. */
  failures: string[];
  /** Files that waited for references in later files and were imported after them. */
  waited: number;
  tally: Tally;
  careTeamAdded: number;
  seconds: number;
  peakRssBytes: number;
}

export function formatReport(report: ImportReport): string[] {
  const { tally } = report;
  const failed = report.failures.length === 0 ? '' : ` (${report.failures.length} failed)`;
  const lines = [
    `files: ${report.files}${failed}, resources: ${tally.resources}, ` +
      `seconds: ${report.seconds.toFixed(1)}, peak memory: ${Math.round(report.peakRssBytes / 1048576)} MB RSS`,
    `${'resource type'.padEnd(22)}${'taken'.padStart(7)}${'updated'.padStart(9)}${'skipped'.padStart(9)}`,
  ];
  for (const [type, counts] of tally.types()) {
    lines.push(
      `${type.padEnd(22)}${String(counts.taken).padStart(7)}` +
        `${String(counts.updated).padStart(9)}${String(sum(counts.skipped)).padStart(9)}`,
    );
    const reasons = [...counts.skipped].sort(([, a], [, b]) => b - a);
    for (const [reason, n] of reasons) lines.push(`    skipped ${n}: ${reason}`);
  }
  lines.push(`care team: ${report.careTeamAdded} new assignment(s)`);
  if (report.waited > 0) lines.push(`${report.waited} file(s) waited for resources in later files`);
  if (tally.total('taken') + tally.total('updated') === 0) lines.push('nothing new');
  return lines;
}

function sum(counts: Map<string, number>): number {
  return [...counts.values()].reduce((total, n) => total + n, 0);
}
