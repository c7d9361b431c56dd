import crypto from 'node:crypto';
import path from 'node:path';
import type { TenantHandle } from '../../platform/keys/tenant-fields.js';
import { AppError } from '../../http/errors.js';
import { recordAudit } from '../audit/service.js';
import type { AccountService } from '../staff/service.js';
import type { Tenant, TenantService } from '../tenants/service.js';
import { FileImport } from './context.js';
import { importResource } from './dispatch.js';
import { MappingError } from './json.js';
import { Deferred, Pending } from './outcome.js';
import { readResources } from './reader.js';
import { Tally, type ImportReport } from './summary.js';

export interface ImportRequest {
  tenantCode: string;
  /** Email of the doctor or nurse whose care team receives every imported patient. */
  assignTo: string;
  /** As the operator typed them: messages name them so. */
  files: string[];
  /** Where relative file names start from (the operator's directory); default: the process's. */
  baseDir?: string;
}

type FileResult =
  | { status: 'done'; tally: Tally; careTeamAdded: number; provided: Set<string> }
  | { status: 'deferred'; missing: Set<string> }
  | { status: 'failed'; message: string };

const ACTOR = { actorId: null, actorRole: 'operator', action: 'fhir.import' } as const;

/**
 * `mediconnect import`: FHIR R4 files into one tenant. Each file is one transaction, so a bad
 * file leaves the database as it was and the others still go in. Files whose references point
 * at resources of later files wait and are imported after them, so file order does not matter.
 */
export class FhirImporter {
  constructor(
    private readonly tenants: TenantService,
    private readonly accounts: AccountService,
  ) {}

  async run(request: ImportRequest): Promise<ImportReport> {
    const started = performance.now();
    const { tenant, assigneeId } = await this.target(request);
    const handle = this.tenants.handle(tenant);
    const report: ImportReport = {
      files: request.files.length,
      failures: [],
      waited: 0,
      tally: new Tally(),
      careTeamAdded: 0,
      seconds: 0,
      peakRssBytes: 0,
    };
    report.waited = await importAll(handle, request, assigneeId, report);
    report.seconds = (performance.now() - started) / 1000;
    report.peakRssBytes = process.resourceUsage().maxRSS * 1024;
    return report;
  }

  /** The tenant and the assignee, checked before anything is imported. */
  private async target(request: ImportRequest): Promise<{ tenant: Tenant; assigneeId: string }> {
    const tenant = await this.tenants.findByCode(request.tenantCode);
    if (tenant === null) throw new AppError('not_found', `no tenant ${request.tenantCode}`);
    if (tenant.status !== 'active') {
      throw new AppError('validation_failed', `tenant ${tenant.code} is suspended`);
    }
    const assignee = await this.accounts.findByEmail(tenant.id, request.assignTo);
    if (assignee?.status !== 'active' || !['doctor', 'nurse'].includes(assignee.role)) {
      throw new AppError(
        'validation_failed',
        `--assign-to must be an active doctor or nurse of tenant ${tenant.code}`,
      );
    }
    return { tenant, assigneeId: assignee.id };
  }
}

/**
 * Imports every file, each in its own transaction. A file that waits for resources of other
 * files is tried again once one of them brings what it waits for; when nothing waiting can
 * move any more, the first waiting file goes in as it is, its missing links left unlinked.
 * Returns how many files had to wait.
 */
async function importAll(
  handle: TenantHandle,
  request: ImportRequest,
  assigneeId: string,
  report: ImportReport,
): Promise<number> {
  const waiting = new Map<string, Set<string>>(); // file → the keys it waits for
  const waited = new Set<string>();
  let queue = [...request.files];
  while (queue.length > 0 || waiting.size > 0) {
    const provided = new Set<string>();
    const [stuck] = waiting.keys();
    if (queue.length === 0 && stuck !== undefined) {
      waiting.delete(stuck);
      const result = await importFile(handle, sourceFile(request, stuck), assigneeId, true);
      settle(report, result, provided);
    }
    for (const name of queue) {
      const result = await importFile(handle, sourceFile(request, name), assigneeId, false);
      if (result.status === 'deferred') {
        waited.add(name);
        waiting.set(name, result.missing);
      } else {
        waiting.delete(name);
        settle(report, result, provided);
      }
    }
    queue = [...waiting]
      .filter(([, missing]) => [...missing].some((key) => provided.has(key)))
      .map(([name]) => name);
  }
  return waited.size;
}

interface SourceFile {
  name: string;
  path: string;
}

function sourceFile(request: ImportRequest, name: string): SourceFile {
  return { name, path: path.resolve(request.baseDir ?? '.', name) };
}

function settle(report: ImportReport, result: FileResult, provided: Set<string>): void {
  switch (result.status) {
    case 'failed':
      report.failures.push(result.message);
      return;
    case 'done':
      report.tally.merge(result.tally);
      report.careTeamAdded += result.careTeamAdded;
      for (const key of result.provided) provided.add(key);
      return;
    case 'deferred':
      return;
  }
}

async function importFile(
  handle: TenantHandle,
  file: SourceFile,
  assigneeId: string,
  lenient: boolean,
): Promise<FileResult> {
  try {
    return await handle.transaction(async (trx) => {
      const ctx = new FileImport(trx, handle.fields);
      const tally = new Tally();
      let pending = await pass(ctx, file.path, null, tally);
      // Entries may point forward within the file: go over the waiting ones until none move.
      while (pending.size > 0) {
        const still = await pass(ctx, file.path, pending, tally);
        const stuck = still.size === pending.size;
        pending = still;
        if (stuck) break;
      }
      if (pending.size > 0) {
        if (!lenient) throw new Deferred(new Set(pending.values()));
        ctx.allowUnresolved = true;
        await pass(ctx, file.path, pending, tally);
      }
      const careTeamAdded = await assignCareTeam(ctx, assigneeId);
      await recordAudit(trx, {
        ...ACTOR,
        details: {
          resources: tally.resources,
          counts: tally.auditCounts(),
          careTeamAdded,
          patientIds: [...ctx.patients],
        },
      });
      return { status: 'done' as const, tally, careTeamAdded, provided: ctx.provided };
    });
  } catch (error) {
    if (error instanceof Deferred) return { status: 'deferred', missing: error.missing };
    const failure = describeFailure(file.name, error);
    await recordAudit(handle.db, {
      ...ACTOR,
      outcome: 'failure',
      details: { error: failure.kind },
    });
    return { status: 'failed', message: failure.message };
  }
}

/**
 * One read of the file; `only` limits it to the entries still waiting. Returns the entries that
 * wait, each with the key it waits for.
 */
async function pass(
  ctx: FileImport,
  file: string,
  only: Map<number, string> | null,
  tally: Tally,
): Promise<Map<number, string>> {
  const waiting = new Map<number, string>();
  for await (const item of readResources(file)) {
    if (only === null) tally.resources += 1;
    else if (!only.has(item.index)) continue;
    try {
      const { type, outcome } = await importResource(ctx, item);
      tally.add(type, outcome);
    } catch (error) {
      if (!(error instanceof Pending)) throw error;
      waiting.set(item.index, error.key);
    }
  }
  return waiting;
}

/** Every patient the file touched joins the assignee's care team, once (partial unique index). */
async function assignCareTeam(ctx: FileImport, staffId: string): Promise<number> {
  if (ctx.patients.size === 0) return 0;
  const added = await ctx.db
    .insertInto('care_team')
    .values(
      [...ctx.patients].map((patientId) => ({
        id: crypto.randomUUID(),
        patient_id: patientId,
        staff_id: staffId,
        assigned_by: null,
        started_at: ctx.now,
        ended_at: null,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['staff_id', 'patient_id']).where('ended_at', 'is', null).doNothing(),
    )
    .returning('patient_id')
    .execute();
  for (const row of added) {
    await recordAudit(ctx.trx, {
      ...ACTOR,
      action: 'care_team.assign',
      patientId: row.patient_id,
      resourceType: 'CareTeam',
      resourceId: staffId,
    });
  }
  return added.length;
}

/**
 * What the operator reads for a failed file. Database messages may quote the offending value
 * (a name, a date), so only their type and code are shown.
 */
function describeFailure(file: string, error: unknown): { kind: string; message: string } {
  if (error instanceof MappingError) {
    return { kind: 'malformed', message: `${file}: ${error.path}: ${error.message}` };
  }
  const code = (error as { code?: unknown } | null)?.code;
  const syscall = (error as { syscall?: unknown } | null)?.syscall;
  if (typeof syscall === 'string') {
    return { kind: 'unreadable', message: `${file}: cannot be read (${String(code)})` };
  }
  const name = error instanceof Error ? error.name : 'error';
  const detail = typeof code === 'string' ? `${name} ${code}` : name;
  return {
    kind: 'failed',
    message: `${file}: the import failed (${detail}); nothing of it was kept`,
  };
}
