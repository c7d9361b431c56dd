import type { Command } from 'commander';
import { AppError, invalid } from '../http/errors.js';
import { auditEventsSince, toFhirAuditEvent } from '../modules/audit/fhir.js';
import { purgeExpiredEvents } from '../modules/audit/purge.js';
import { recordAudit } from '../modules/audit/service.js';
import type { BrokenLink } from '../modules/audit/verify.js';
import type { CliContext } from './context.js';
import { complain, say } from './output.js';
import { withCli } from './with-cli.js';

/**
 * `mediconnect audit verify|export|purge`. With the embedded database the server must be stopped
 * first (one process owns the data folder); against PostgreSQL they run while it serves.
 */
export function registerAuditCommand(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident audit trail');
  audit
    .command('verify')
    .requiredOption('--tenant <code>', 'tenant code')
    .description('checks the hash chain and signed checkpoints; exit status 2 when broken')
    .action((options: { tenant: string }) => run((cli) => verify(cli, options.tenant)));
  audit
    .command('export')
    .requiredOption('--tenant <code>', 'tenant code')
    .requiredOption('--since <time>', 'ISO 8601 time; events recorded from then on')
    .description('writes FHIR R4 AuditEvent resources as NDJSON to standard output')
    .action((options: { tenant: string; since: string }) =>
      run((cli) => exportEvents(cli, options.tenant, options.since)),
    );
  audit
    .command('purge')
    .requiredOption('--tenant <code>', 'tenant code')
    .option('--dry-run', 'report what would be removed, remove nothing')
    .description(
      'removes events older than the retention period, up to a signed checkpoint; exit 2 when the trail is broken',
    )
    .action((options: { tenant: string; dryRun?: boolean }) =>
      run((cli) => purge(cli, options.tenant, options.dryRun === true)),
    );
}

/**
 * The one clinic the command is about, migrated. Only that one: a forensic command must work
 * even when another clinic's schema is broken.
 */
async function clinic(cli: CliContext, code: string) {
  const tenant = await cli.services.tenants.findByCode(code);
  if (tenant === null) throw new AppError('not_found', `no tenant ${code}`);
  await cli.db.migrateTenant(tenant.schemaName);
  return tenant;
}

async function verify(cli: CliContext, code: string): Promise<number> {
  const tenant = await clinic(cli, code);
  const report = await cli.services.auditChainer.verify(tenant);
  const checkpoint = report.lastCheckpoint;
  if (report.anchor !== null)
    say(
      `tenant ${code}: purged before position ${report.anchor.position}; verified from the ` +
        `signed checkpoint there (${report.anchor.at})`,
    );
  say(
    `tenant ${code}: ${report.checkedEvents} event(s) checked, ${report.pendingEvents} pending; ` +
      (checkpoint === null
        ? 'no signed checkpoint yet'
        : `last checkpoint at position ${checkpoint.position} (${checkpoint.at}), signature ` +
          (checkpoint.signatureValid ? 'valid' : 'INVALID')),
  );
  if (report.firstBroken === null) {
    say('audit trail intact');
    return 0;
  }
  complain(brokenLine(report.firstBroken));
  return 2;
}

function brokenLine(broken: BrokenLink): string {
  return (
    `audit trail BROKEN at position ${broken.position}: ${broken.problem} ` +
    `(seq ${broken.seq ?? 'none'}, event ${broken.eventId ?? 'none'})`
  );
}

async function purge(cli: CliContext, code: string, dryRun: boolean): Promise<number> {
  const tenant = await clinic(cli, code);
  const { retentionYears } = cli.config.audit;
  const result = await purgeExpiredEvents(
    cli.services.tenants.handle(tenant),
    cli.db.forTenantAsOwner(tenant.id, tenant.schemaName),
    cli.platform.keys,
    { ...cli.config.audit, dryRun },
  );
  if (result.status === 'broken') {
    complain(`${brokenLine(result.firstBroken)}; nothing purged`);
    return 2;
  }
  const kept = `recorded before ${result.cutoff} (retention ${retentionYears} years)`;
  if (result.status === 'nothing') {
    say(
      result.expired === 0
        ? `tenant ${code}: nothing to purge: no event ${kept}`
        : `tenant ${code}: nothing to purge: ${result.expired} event(s) ${kept}, ` +
            'but no signed checkpoint after them yet',
    );
    return 0;
  }
  const { anchor, events, fromSeq, toSeq, oldest, newest } = result.range;
  const range =
    `${events} event(s), seq ${fromSeq ?? '-'}–${toSeq ?? '-'}, recorded ${oldest ?? '-'} – ` +
    `${newest ?? '-'}, up to the signed checkpoint at position ${anchor.position}`;
  say(
    result.status === 'planned'
      ? `tenant ${code}: would purge ${range}; nothing removed (dry run)`
      : `tenant ${code}: purged ${range}, which now anchors the trail`,
  );
  return 0;
}

async function exportEvents(cli: CliContext, code: string, sinceText: string): Promise<number> {
  const since = new Date(sinceText);
  if (!/^\d{4}-\d{2}-\d{2}/.test(sinceText) || Number.isNaN(since.getTime()))
    throw invalid('--since', 'must be an ISO 8601 time');
  const tenant = await clinic(cli, code);
  const handle = cli.services.tenants.handle(tenant);
  let count = 0;
  for await (const event of auditEventsSince(handle, since)) {
    say(JSON.stringify(toFhirAuditEvent(event, tenant.code)));
    count += 1;
  }
  // SPEC §8: data export is audited, this one too (after the export, so it is not in it).
  await recordAudit(handle.db, {
    actorId: null,
    actorRole: 'operator',
    action: 'audit.export',
    details: { count, since: since.toISOString() },
  });
  complain(`exported ${count} audit event(s)`);
  return 0;
}

/** A forensic command opens only the clinic it is about (see clinic()). */
function run(work: (cli: CliContext) => Promise<number>): Promise<void> {
  return withCli(work, { migrateAll: false });
}
