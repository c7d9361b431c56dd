import type { Command } from 'commander';

/** `mediconnect import`: FHIR R4 bundles into a tenant (see modules/fhir). */
export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description('imports FHIR R4 bundles or resources into a tenant')
    .requiredOption('--tenant <code>', 'tenant code')
    .requiredOption('--assign-to <email>', 'clinician whose care team receives the imported patients')
    .argument('<files...>', 'JSON files')
    .action(() => {
      throw new Error('import is being built');
    });
}
