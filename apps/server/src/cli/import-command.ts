import type { Command } from 'commander';
import { ConfigError } from '../config/config.js';
import { AppError } from '../http/errors.js';
import { FhirImporter } from '../modules/fhir/importer.js';
import { formatReport } from '../modules/fhir/summary.js';
import { DataDirBusyError } from '../platform/db/data-dir-lock.js';
import { openCli, type CliContext } from './context.js';
import { complain, say } from './output.js';

interface ImportOptions {
  tenant: string;
  assignTo: string;
}

/** `mediconnect import`: FHIR R4 bundles into a tenant (see modules/fhir). */
export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description(
      'imports FHIR R4 bundles or resources into a tenant; run it again and nothing is duplicated',
    )
    .requiredOption('--tenant <code>', 'tenant code')
    .requiredOption(
      '--assign-to <email>',
      'clinician whose care team receives the imported patients',
    )
    .argument('<files...>', 'JSON files')
    .action((files: string[], options: ImportOptions) => runImport(files, options));
}

async function runImport(files: string[], options: ImportOptions): Promise<void> {
  let cli: CliContext | null = null;
  try {
    cli = await openCli();
    const importer = new FhirImporter(cli.services.tenants, cli.services.accounts);
    // `npm run mediconnect` runs in apps/server; npm keeps the operator's directory in INIT_CWD.
    const baseDir = process.env.INIT_CWD ?? process.cwd();
    const report = await importer.run({
      tenantCode: options.tenant,
      assignTo: options.assignTo,
      files,
      baseDir,
    });
    for (const line of formatReport(report)) say(line);
    for (const failure of report.failures) complain(`failed: ${failure}`);
    process.exitCode = report.failures.length > 0 ? 1 : 0;
  } catch (error) {
    process.exitCode = 1;
    complain(`mediconnect: ${failureLine(error)}`);
  } finally {
    await cli?.close();
  }
}

/**
 * The same one-line reports as main.ts's withCli, which this file cannot import: main.ts
 * imports this file and parses the command line as it loads.
 */
function failureLine(error: unknown): string {
  if (error instanceof ConfigError || error instanceof DataDirBusyError) return error.message;
  if (error instanceof AppError) {
    const fields = (error.fields ?? []).map((f) => ` ${f.path} ${f.message}`).join(';');
    return `${error.message}${fields}`;
  }
  return `failed: ${error instanceof Error ? error.message : String(error)}`;
}
