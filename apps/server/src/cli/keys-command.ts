import type { Command } from 'commander';
import { AppError } from '../http/errors.js';
import { rewrapAll, kekIdsInUse } from '../platform/keys/kek-rotation.js';
import {
  clinicsWithLegacyPlaintext,
  encryptLegacyPlaintext,
} from '../platform/keys/encryption-jobs.js';
import { LocalKeyProvider } from '../platform/keys/key-provider.js';
import type { RotationReport } from '../platform/keys/rotation.js';
import type { CliContext } from './context.js';
import { complain, say } from './output.js';
import { withCli } from './with-cli.js';

/** `keys rotate-kek`, `keys rotate-dek`, `keys status`: envelope-encryption key rotation. */
export function registerKeyCommands(keys: Command): void {
  keys
    .command('rotate-kek')
    .description(
      'new key-encryption key (local) or the configured KMS key: rewraps every data key; resumable',
    )
    .action(() => withCli(rotateKek));

  keys
    .command('rotate-dek')
    .requiredOption('--tenant <code>', 'tenant code')
    .option('--max-batches <n>', 'stop after n batches; the job stays pending and resumes later')
    .description(
      'new data key for a tenant, then re-encrypts its fields in batches; run again to resume',
    )
    .action((options: { tenant: string; maxBatches?: string }) =>
      withCli((cli) => rotateDek(cli, options)),
    );

  keys
    .command('encrypt-legacy')
    .description(
      'encrypts plaintext stored before field encryption (see MEDICONNECT_LEGACY_ENCRYPTION)',
    )
    .action(() =>
      withCli(async ({ platform, rotation }) => {
        await encryptLegacyPlaintext(platform.db, rotation, platform.logger);
        const left = await clinicsWithLegacyPlaintext(platform.db);
        say(
          left === 0
            ? 'no plaintext left'
            : `${left} clinic(s) still hold plaintext: their keys could not be opened`,
        );
        return left === 0 ? 0 : 1;
      }),
    );

  keys
    .command('status')
    .description('data-key versions, re-encryption jobs and key-encryption keys in use')
    .action(() => withCli(status));
}

async function rotateKek({ platform }: CliContext): Promise<number> {
  const { keyProvider: provider, db } = platform;
  const pending = (await kekIdsInUse(db.control)).filter((id) => id !== provider.currentKekId());
  // A previous run stopped half-way: finish it instead of starting yet another KEK.
  if (pending.length > 0) say(`resuming: keys still wrapped under ${pending.join(', ')}`);
  else if (provider instanceof LocalKeyProvider) say(`new key-encryption key ${provider.rotate()}`);

  const report = await rewrapAll(db.control, provider);
  say(`${report.rewrapped} key(s) rewrapped under ${provider.currentKekId()}`);
  if (report.failed > 0) {
    complain(`${report.failed} key(s) could not be rewrapped; their KEK is still needed`);
    return 1;
  }
  if (provider instanceof LocalKeyProvider) {
    for (const id of provider.retiredKekIds().filter((kek) => !report.inUse.includes(kek)))
      say(`no key needs ${id} any more: ${provider.kekFile(id)} may be removed`);
  }
  return 0;
}

async function rotateDek(
  { services, rotation }: CliContext,
  options: { tenant: string; maxBatches?: string },
): Promise<number> {
  const tenant = await services.tenants.findByCode(options.tenant);
  if (tenant === null) throw new AppError('not_found', `no tenant ${options.tenant}`);
  const target = { id: tenant.id, schemaName: tenant.schemaName };
  const maxBatches = options.maxBatches === undefined ? Infinity : Number(options.maxBatches);
  if (!Number.isInteger(maxBatches) && maxBatches !== Infinity)
    throw new AppError('validation_failed', '--max-batches must be a whole number');

  const job = await rotation.job(tenant.id);
  if (job !== undefined && job.finished_at === null) {
    say(`resuming the re-encryption to data key version ${job.target_version}`);
  } else {
    say(`new data key version ${await rotation.rotate(target)} for ${tenant.code}`);
  }
  const report =
    maxBatches === Infinity
      ? await rotation.runToEnd(target)
      : await rotation.run(target, maxBatches);
  return sayReport(report);
}

function sayReport(report: RotationReport): number {
  const counts = `${report.converted} value row(s) re-encrypted, ${report.failed} could not be opened`;
  switch (report.state) {
    case 'finished':
      say(
        `finished: every value is under data key version ${String(report.targetVersion)}; ${counts}`,
      );
      return report.failed > 0 ? 1 : 0;
    case 'paused':
      say(`paused: ${counts}; run the command again (or start the server) to resume`);
      return 0;
    case 'busy':
      say('another process is working this job; it finishes there');
      return 0;
    case 'none':
      say('nothing to do');
      return 0;
  }
}

async function status({ platform, rotation }: CliContext): Promise<number> {
  const { db, keyProvider } = platform;
  const tenants = await db.control
    .selectFrom('tenants')
    .select(['id', 'code'])
    .orderBy('code')
    .execute();
  for (const tenant of tenants) {
    const versions = await db.control
      .selectFrom('tenant_keys')
      .select(['version', 'kek_id'])
      .where('tenant_id', '=', tenant.id)
      .orderBy('version')
      .execute();
    const job = await rotation.job(tenant.id);
    const state =
      job === undefined
        ? 'no rotation'
        : job.finished_at === null
          ? `re-encrypting to v${job.target_version} (${job.converted} done)`
          : `v${job.target_version} finished ${job.finished_at.toISOString()}`;
    const list = versions.map((v) => `v${v.version}@${v.kek_id}`).join(' ');
    say(`${tenant.code}\t${list || 'no data key yet'}\t${state}`);
  }
  say(`current key-encryption key: ${keyProvider.currentKekId()}`);
  say(`key-encryption keys in use: ${(await kekIdsInUse(db.control)).join(', ') || 'none'}`);
  return 0;
}
