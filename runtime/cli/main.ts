import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { LOG_LEVELS } from '../log/logger.js';
import { packageRoot } from '../shared/package-root.js';
import { checkCommand } from './check-command.js';
import { EXIT } from './exit-codes.js';
import { runCommand } from './run-command.js';

function version(): string {
  const manifest = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

export function buildProgram(): Command {
  const program = new Command('edge-gw')
    .description(
      'Edge gateway runtime: reads Modbus and serial sensors, keeps a durable local store, and syncs window summaries upstream over MQTT.',
    )
    .version(version(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('check')
    .description(
      'Validate a site config and print what it sets up. Reads local files only; touches no device and no network.',
    )
    .requiredOption('-c, --config <file>', 'site config file (YAML, or JSON by extension)')
    .option('--json', 'print the resolved config (defaults filled in) as JSON')
    .addHelpText(
      'after',
      '\nExit status: 0 valid, 1 invalid (each problem printed with file:line, field, and what is allowed), 2 usage error.',
    )
    .action((opts: { config: string; json?: boolean }) => {
      process.exitCode = checkCommand(
        opts,
        (l) => console.log(l),
        (l) => console.error(l),
      );
    });

  program
    .command('run')
    .description(
      'Run the gateway: poll devices, store readings, close windows and send summaries upstream, until SIGINT or SIGTERM.',
    )
    .requiredOption('-c, --config <file>', 'site config file (YAML, or JSON by extension)')
    .addOption(
      new Option('--log-level <level>', 'least severe level to log')
        .choices([...LOG_LEVELS])
        .default('info'),
    )
    .addOption(
      new Option('--pretty', 'human-readable logs (the default when stdout is a terminal)').default(
        process.stdout.isTTY,
      ),
    )
    .addOption(
      new Option('--no-pretty', 'JSON log lines, one per event (for journald and log shippers)'),
    )
    .addHelpText(
      'after',
      '\nExit status: 0 stopped cleanly, 1 invalid config or failed start, 2 usage error, 130 forced by a second signal.',
    )
    .action(
      async (opts: { config: string; logLevel: (typeof LOG_LEVELS)[number]; pretty: boolean }) => {
        process.exitCode = await runCommand(opts);
      },
    );

  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      const okCodes = ['commander.helpDisplayed', 'commander.version', 'commander.help'];
      process.exitCode = okCodes.includes(err.code) ? EXIT.ok : EXIT.usage;
      return;
    }
    console.error(`edge-gw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = EXIT.failed;
  }
}

await main(process.argv);
