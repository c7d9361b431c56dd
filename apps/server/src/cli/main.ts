import { Command, Option } from 'commander';
import { loadConfig } from '../config/config.js';
import { rotateSigningKeys, signingKeysPath } from '../platform/keys/signing-keys.js';
import { AppError } from '../http/errors.js';
import type { Role } from '../platform/db/tables.js';
import { registerAuditCommand } from './audit-command.js';
import { registerImportCommand } from './import-command.js';
import { registerKeyCommands } from './keys-command.js';
import { withCli } from './with-cli.js';
import { readSecret } from './read-secret.js';
import { say } from './output.js';

const program = new Command('mediconnect').description('MediConnect operator commands');

const tenant = program.command('tenant').description('clinics (tenants)');
tenant
  .command('create')
  .requiredOption('--code <code>', 'short code the staff type at login (a-z, 0-9, _)')
  .requiredOption('--name <name>', 'the clinic name')
  .action((options: { code: string; name: string }) =>
    withCli(async ({ services }) => {
      const created = await services.tenants.create(options.code, options.name);
      say(`created tenant ${created.code} (${created.id})`);
      return 0;
    }),
  );
tenant
  .command('suspend')
  .requiredOption('--code <code>', 'tenant code')
  .description('refuses the clinic’s logins and ends every session at once')
  .action((options: { code: string }) =>
    withCli(async ({ services }) => {
      const suspended = await services.tenants.setStatus(options.code, 'suspended');
      const ended = await services.sessions.revokeTenant(suspended.id, 'tenant_suspended');
      say(`suspended tenant ${suspended.code}; ${ended} session(s) ended`);
      return 0;
    }),
  );
tenant
  .command('resume')
  .requiredOption('--code <code>', 'tenant code')
  .action((options: { code: string }) =>
    withCli(async ({ services }) => {
      const resumed = await services.tenants.setStatus(options.code, 'active');
      say(`tenant ${resumed.code} is active again`);
      return 0;
    }),
  );
tenant.command('list').action(() =>
  withCli(async ({ services }) => {
    for (const t of await services.tenants.list()) say(`${t.code}\t${t.status}\t${t.name}`);
    return 0;
  }),
);

program
  .command('staff')
  .description('staff accounts')
  .command('create')
  .requiredOption('--tenant <code>', 'tenant code')
  .requiredOption('--email <email>', 'login email')
  .addOption(
    new Option('--role <role>', 'role')
      .choices(['admin', 'doctor', 'nurse', 'clerk'])
      .makeOptionMandatory(),
  )
  .option('--name <name>', 'display name')
  .option('--no-temporary', 'the password is final (default: temporary, changed at first login)')
  .description(
    'creates a staff account; the password is read from standard input, never an argument',
  )
  .action(
    (options: { tenant: string; email: string; role: Role; name?: string; temporary: boolean }) =>
      withCli(async ({ services }) => {
        const found = await services.tenants.findByCode(options.tenant);
        if (found === null) throw new AppError('not_found', `no tenant ${options.tenant}`);
        const password = await readSecret('password: ');
        const account = await services.accounts.create(found, {
          email: options.email,
          role: options.role,
          displayName: options.name ?? options.email,
          password,
          mustChangePassword: options.temporary,
        });
        const note = options.temporary
          ? '; the password is temporary: it must be changed at first login'
          : '';
        say(`created ${account.role} ${account.email} (${account.id})${note}`);
        return 0;
      }),
  );

const keys = program.command('keys').description('signing keys, key-encryption keys, data keys');
keys
  .command('rotate')
  .description(
    'adds a new access-token signing key; older keys keep verifying until their tokens expire',
  )
  .action(async () => {
    const config = loadConfig();
    const keyPath = signingKeysPath(config.signingKeysFile, config.dataDir);
    const { kid, dropped } = await rotateSigningKeys(keyPath);
    say(`new signing key ${kid}; ${dropped} retired key(s) removed`);
  });

registerImportCommand(program);
registerAuditCommand(program);
registerKeyCommands(keys);

await program.parseAsync(process.argv);
