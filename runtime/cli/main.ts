import { Command, CommanderError, Option } from 'commander';
import { LOG_LEVELS } from '../log/logger.js';
import { packageVersion } from '../shared/package-root.js';
import type { CalibrateOptions } from './calibrate-command.js';
import type { DiagnosticsOptions } from './diagnostics-command.js';
import type { DoctorOptions } from './doctor-command.js';
import { EXIT } from './exit-codes.js';
import type { InitOptions } from './init-command.js';
import type { ProvisionOptions } from './provision-command.js';
import type { ReadOptions } from './read-command.js';
import type { ScanOptions } from './scan-command.js';
import type { StatusOptions } from './status-command.js';
import type { SimulateOptions } from './simulate-command.js';

export function buildProgram(): Command {
  const program = new Command('edge-gw')
    .description(
      'Edge gateway runtime: reads Modbus and serial sensors, keeps a durable local store, and syncs window summaries upstream over MQTT.',
    )
    .version(packageVersion(), '-V, --version')
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
    .action(async (opts: { config: string; json?: boolean }) => {
      const { checkCommand } = await import('./check-command.js');
      process.exitCode = checkCommand(
        opts,
        (l) => console.log(l),
        (l) => console.error(l),
      );
    });

  program
    .command('init')
    .description(
      'Write a site config from a template (lamp-pole, parking-lot, water-meter), asking only for what it cannot know: the gateway id, the bus ports and the upstream broker. Flags answer the questions for an unattended run.',
    )
    .requiredOption('--site <kind>', 'lamp-pole, parking-lot or water-meter')
    .option('-o, --out <file>', 'where to write the config', '/etc/edge-gw/site.yaml')
    .option('--id <id>', 'gateway id, as the platform will know it')
    .option('--rs485 <path>', 'the RS-485 adapter, e.g. /dev/ttyUSB0')
    .option('--thermal <path>', "the thermal array's serial port (lamp pole)")
    .option('--upstream <url>', 'the broker, mqtts://host:8883')
    .option('--data-dir <dir>', 'where the gateway keeps its store and secrets', '/var/lib/edge-gw')
    .option('--bays <n>', 'parking bays, one sensor each (parking lot)', '4')
    .option('--allow-plaintext', 'allow mqtt:// to a broker on a trusted network')
    .option('--force', 'replace an existing config (kept as <file>.backup)')
    .addHelpText(
      'after',
      '\nExamples:\n  sudo edge-gw init --site lamp-pole\n  edge-gw init --site water-meter --id wm-0007 --rs485 /dev/ttyUSB0 --upstream mqtts://mqtt.city.example:8883 --out site.yaml\n\nExit status: 0 written, 1 refused (the file exists, a bad answer, no answer on stdin), 2 usage error.',
    )
    .action(async (opts: InitOptions) => {
      const { initCommand } = await import('./init-command.js');
      process.exitCode = await initCommand(
        opts,
        (l) => console.log(l),
        (l) => console.error(l),
      );
    });

  program
    .command('provision')
    .description(
      "Give this gateway its identity: an EC key pair with a certificate signing request (or a self-signed certificate), the platform's command-signing key, and a new editor login, in its data directory with secrets readable by the gateway only.",
    )
    .requiredOption('-c, --config <file>', 'site config file (its gateway.id and gateway.dataDir)')
    .option('--self-signed', 'a self-signed certificate instead of a signing request (test sites)')
    .option('--days <n>', 'validity of a self-signed certificate', '825')
    .option('--org <name>', 'organisation (O) in the certificate subject')
    .option('--command-key <file>', "the platform's Ed25519 public key that signs commands (PEM)")
    .option('--owner <user>', 'the system user that runs the gateway (files are given to it)')
    .option(
      '--force',
      'replace an existing identity (the old one is kept in identity/previous-<time>/)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  sudo edge-gw provision --config /etc/edge-gw/site.yaml --owner edge-gw --command-key platform-cmd.pub\n  edge-gw provision --config site.yaml --self-signed\n\nExit status: 0 provisioned, 1 refused (an identity exists, a bad key file, an invalid config), 2 usage error.',
    )
    .action(async (opts: ProvisionOptions) => {
      const { provisionCommand } = await import('./provision-command.js');
      process.exitCode = provisionCommand(
        opts,
        (l) => console.log(l),
        (l) => console.error(l),
      );
    });

  program
    .command('doctor')
    .description(
      "Check everything a gateway needs, one line per check with what to do about a failure: the config, identity and login, serial ports and permissions, each device (polled once), disk space, the clock, model bundles' digests, and the broker (DNS, TCP, TLS, login).",
    )
    .requiredOption('-c, --config <file>', 'site config file (YAML, or JSON by extension)')
    .option('--timeout <ms>', 'how long each device and the broker may take', '5000')
    .option('--no-devices', 'do not poll the devices')
    .option('--no-upstream', 'do not contact the broker')
    .addHelpText(
      'after',
      '\nExit status: 0 nothing failed (warnings allowed), 1 a check failed, 2 usage error.',
    )
    .action(async (opts: DoctorOptions) => {
      // Loaded on demand: it brings the model bundles' checks and the device drivers.
      const { doctorCommand } = await import('./doctor-command.js');
      process.exitCode = await doctorCommand(
        opts,
        (l) => console.log(l),
        (l) => console.error(l),
      );
    });

  program
    .command('export-diagnostics')
    .description(
      "Write a tarball for support: the config with secrets redacted, recent logs, store statistics, the running gateway's device counters, the doctor's local checks and the system. No key, password or flow credential is included.",
    )
    .requiredOption('-c, --config <file>', 'site config file (YAML, or JSON by extension)')
    .option(
      '-o, --out <file>',
      'the tarball (default: edge-gw-diagnostics-<id>-<time>.tar.gz here)',
    )
    .option('--log-file <file>', "the gateway's log file", '/var/log/edge-gw/edge-gw.log')
    .option('--log-lines <n>', 'how many recent log lines', '5000')
    .addHelpText(
      'after',
      '\nExit status: 0 written, 1 failed (an invalid config, cannot write), 2 usage error.',
    )
    .action(async (opts: DiagnosticsOptions) => {
      const { diagnosticsCommand } = await import('./diagnostics-command.js');
      process.exitCode = await diagnosticsCommand(
        opts,
        (l) => console.log(l),
        (l) => console.error(l),
      );
    });

  program
    .command('status')
    .description(
      "Print the running gateway's status: devices and their last values, alarms, backlog, upstream, clock, crowd zones, models, disk. Read from its status page on this machine.",
    )
    .requiredOption('-c, --config <file>', 'site config file (YAML, or JSON by extension)')
    .option('--json', 'print the whole status as JSON (what /api/status serves)')
    .option('--timeout <ms>', 'how long to wait for the gateway', '3000')
    .addHelpText(
      'after',
      '\nExit status: 0 the gateway answered, 1 it did not (not running, status page off, login refused), 2 usage error.',
    )
    .action(async (opts: StatusOptions) => {
      const { statusCommand } = await import('./status-command.js');
      process.exitCode = await statusCommand(
        opts,
        (l) => console.log(l),
        (l) => console.error(l),
      );
    });

  program
    .command('flow')
    .description('Node-RED flows of a site')
    .command('install <example>')
    .description(
      "Install an example flow (flows/<example>.json: lamp-pole, ...) as the site's Node-RED flow file.",
    )
    .requiredOption('-c, --config <file>', 'site config file (YAML, or JSON by extension)')
    .option('--force', 'replace the flows the site already has (kept as <file>.backup)')
    .addHelpText(
      'after',
      '\nExit status: 0 installed, 1 the site already has flows (without --force) or an invalid config, 2 no such example.',
    )
    .action(async (example: string, opts: { config: string; force?: boolean }) => {
      const { flowInstallCommand } = await import('./flow-command.js');
      process.exitCode = flowInstallCommand(
        example,
        opts,
        (l) => console.log(l),
        (l) => console.error(l),
      );
    });

  program
    .command('calibrate')
    .description(
      "Train a model's learned detector on this gateway's own recent windows (its normal period) and write the bundle the config names. Run it with the gateway stopped.",
    )
    .requiredOption('-c, --config <file>', 'site config file (YAML, or JSON by extension)')
    .requiredOption('--model <name>', 'the model to calibrate (models[].name in the config)')
    .option('--days <n>', 'how many days back to learn from', '7')
    .option('--epochs <n>', 'training passes over the data', '25')
    .option(
      '--seed <n>',
      'seeds the initial weights and the shuffle: the same data gives the same bundle',
      '1',
    )
    .addHelpText(
      'after',
      '\nExit status: 0 bundle written, 1 failed (with the reason: too little data, no such model, an invalid config), 2 usage error.',
    )
    .action(async (opts: CalibrateOptions) => {
      // Loaded on demand: it brings TensorFlow.js (about 55 MB) that `run` must not carry.
      const { calibrateCommand } = await import('./calibrate-command.js');
      process.exitCode = await calibrateCommand(
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
        // Every command is loaded when it is run: the gateway process carries none of the others.
        const { runCommand } = await import('./run-command.js');
        process.exitCode = await runCommand(opts);
      },
    );

  const linkOptions = (cmd: Command): Command =>
    cmd
      .option('--tcp <host:port>', 'a Modbus TCP endpoint (a meter, or an RS-485 gateway)')
      .option('--serial <path>', 'a serial port, e.g. /dev/ttyUSB0')
      .option('--baud <rate>', "baud rate on --serial (default: the profile's, or 9600)")
      .option('--parity <parity>', 'none, even or odd (default none)')
      .option('--stop-bits <n>', '1 or 2 (default 1)')
      .option('--timeout <ms>', 'how long to wait for each answer');

  linkOptions(
    program
      .command('scan')
      .description(
        'Find the Modbus unit ids that answer on a bus: asks each for holding register 0; an exception counts as an answer.',
      )
      .option('--from <id>', 'first unit id', '1')
      .option('--to <id>', 'last unit id', '247'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  edge-gw scan --serial /dev/ttyUSB0 --baud 9600\n  edge-gw scan --tcp 10.0.0.20:502 --to 20\n\nExit status: 0 something answered, 1 nothing answered or the bus failed, 2 usage error.',
    )
    .action(async (opts: ScanOptions) => {
      const { scanCommand } = await import('./scan-command.js');
      process.exitCode = await scanCommand(
        opts,
        (l) => console.log(l),
        (l) => console.error(l),
      );
    });

  linkOptions(
    program
      .command('read')
      .description(
        'Read every point of one device once and print them as a table, with the raw registers.',
      )
      .argument('<profile>', 'a device profile, e.g. eastron-sdm120')
      .option('--unit <id>', "Modbus unit id (default: the profile's)"),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  edge-gw read eastron-sdm120 --serial /dev/ttyUSB0 --baud 2400\n  edge-gw read tuf-2000m --tcp 10.0.0.21:502 --unit 3\n  edge-gw read plantower-pms5003 --serial /dev/ttyAMA0\n\nExit status: 0 every read answered, 1 some did not, 2 usage error.',
    )
    .action(async (profile: string, opts: ReadOptions) => {
      const { readCommand } = await import('./read-command.js');
      process.exitCode = await readCommand(
        profile,
        opts,
        (l) => console.log(l),
        (l) => console.error(l),
      );
    });

  program
    .command('simulate')
    .description(
      'Run device simulators on their own: Modbus devices on one TCP endpoint or one simulated RS-485 line, a serial sensor on a line of its own. Prints where to connect and a site-config snippet.',
    )
    .argument(
      '<devices...>',
      'profiles, each optionally with a unit id: eastron-sdm120 eastron-sdm630@2',
    )
    .option('--tcp-port <port>', 'Modbus TCP port (0: any free port)', '5020')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option(
      '--pty',
      'simulate a serial line on a pseudo-terminal pair (needs socat) instead of TCP',
    )
    .option(
      '--device-end <path>',
      "the device end of a serial line (a real port wired to the gateway's)",
    )
    .option('--baud <rate>', "baud rate of the serial line (default: the first profile's)")
    .option('--parity <parity>', 'none, even or odd (default none)')
    .option('--stop-bits <n>', '1 or 2 (default 1)')
    .option(
      '--fault <kind[:probability][@unit]>',
      'inject a fault: silence, late, bad-crc, exception, garbage, truncated (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--no-wire-time', "answer at once instead of at the baud rate's pace")
    .option('--seed <n>', 'seed for the values and the faults', '1')
    .addHelpText(
      'after',
      '\nExamples:\n  edge-gw simulate eastron-sdm120 eastron-sdm630@2 --tcp-port 5020\n  edge-gw simulate eastron-sdm120 dfrobot-urm14 --pty --baud 9600 --fault bad-crc:0.05\n  edge-gw simulate plantower-pms5003 --pty\n\nExit status: 0 stopped with Ctrl-C, 1 could not start, 2 usage error.',
    )
    .action(
      async (
        devices: string[],
        opts: Omit<SimulateOptions, 'pty' | 'wireTime'> & { pty?: boolean; wireTime?: boolean },
      ) => {
        // Loaded on demand: the simulators are not part of a running gateway.
        const { simulateCommand } = await import('./simulate-command.js');
        process.exitCode = await simulateCommand(
          devices,
          { ...opts, pty: opts.pty ?? false, wireTime: opts.wireTime ?? true },
          (l) => console.log(l),
          (l) => console.error(l),
        );
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
