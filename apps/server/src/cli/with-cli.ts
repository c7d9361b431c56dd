import { ConfigError } from '../config/config.js';
import { AppError } from '../http/errors.js';
import { DataDirBusyError } from '../platform/db/data-dir-lock.js';
import { openCli, type CliContext } from './context.js';
import { complain } from './output.js';

/**
 * Runs a command with the database open, and turns known failures into one clear line. `open`
 * goes to openCli (e.g. `migrateAll: false` for a command about one clinic).
 */
export async function withCli(
  work: (cli: CliContext) => Promise<number | undefined>,
  open: Parameters<typeof openCli>[0] = {},
): Promise<void> {
  let cli: CliContext | null = null;
  try {
    cli = await openCli(open);
    process.exitCode = (await work(cli)) ?? 0;
  } catch (error) {
    process.exitCode = 1;
    if (error instanceof ConfigError || error instanceof DataDirBusyError) {
      complain(`mediconnect: ${error.message}`);
    } else if (error instanceof AppError) {
      const fields = (error.fields ?? []).map((f) => ` ${f.path} ${f.message}`).join(';');
      complain(`mediconnect: ${error.message}${fields}`);
    } else {
      complain(`mediconnect: failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  } finally {
    await cli?.close();
  }
}
