import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { loadConfig } from '../config/load-config.js';
import { DeviceCatalogue } from '../devices/catalogue.js';
import {
  questionsFor,
  SITE_KINDS,
  siteTemplate,
  type SiteAnswers,
  type SiteKind,
} from '../provision/site-templates.js';
import { DocumentError } from '../shared/document.js';
import { isLoopback } from '../shared/loopback.js';
import { serialPorts } from '../shared/serial-ports.js';
import { EXIT } from './exit-codes.js';

export interface InitOptions {
  site: string;
  out: string;
  id?: string;
  rs485?: string;
  thermal?: string;
  upstream?: string;
  dataDir: string;
  bays: string;
  allowPlaintext?: boolean;
  force?: boolean;
}

const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** Checks one answer; the problem in words, or undefined. */
function problemWith(
  key: keyof SiteAnswers,
  value: string,
  a: Partial<SiteAnswers>,
): string | undefined {
  switch (key) {
    case 'gatewayId':
      return ID_PATTERN.test(value)
        ? undefined
        : `"${value}" is not a gateway id: lowercase letters, digits and -, up to 32, starting with a letter or digit`;
    case 'rs485':
    case 'thermal':
      return value.startsWith('/')
        ? undefined
        : `"${value}" is not a device path such as /dev/ttyUSB0`;
    case 'upstreamUrl': {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        return `"${value}" is not a URL such as mqtts://broker.example.org:8883`;
      }
      if (url.protocol !== 'mqtt:' && url.protocol !== 'mqtts:')
        return `${url.protocol}// is not MQTT: use mqtts://host:8883 (or mqtt:// on a trusted network)`;
      if (url.username || url.password)
        return 'the URL holds credentials, which would end up in logs: set upstream.username and upstream.passwordFile instead';
      if (url.protocol === 'mqtt:' && !isLoopback(url.hostname) && !a.allowPlaintext)
        return `plain MQTT to ${url.hostname} would send data unencrypted: use mqtts://, or --allow-plaintext on a trusted network`;
      return undefined;
    }
    default:
      return undefined;
  }
}

const PROMPTS: Partial<Record<keyof SiteAnswers, { flag: string; ask: string }>> = {
  gatewayId: { flag: '--id', ask: 'Gateway id (as the platform will know it, e.g. lp-0042)' },
  rs485: { flag: '--rs485', ask: 'RS-485 adapter port' },
  thermal: { flag: '--thermal', ask: "Thermal array's serial port" },
  upstreamUrl: { flag: '--upstream', ask: 'Upstream broker URL (mqtts://host:8883)' },
};

/**
 * Lines from stdin one at a time, whether it is a terminal or a pipe; undefined at its end, so
 * an unattended run with a flag missing fails at once instead of waiting.
 */
function lineReader(): { next(): Promise<string | undefined>; close(): void } {
  const rl = createInterface({ input: process.stdin, terminal: false });
  const lines: string[] = [];
  const waiting: ((l: string | undefined) => void)[] = [];
  let ended = false;
  rl.on('line', (l) => {
    const w = waiting.shift();
    if (w) w(l);
    else lines.push(l);
  });
  rl.on('close', () => {
    ended = true;
    for (const w of waiting.splice(0)) w(undefined);
  });
  return {
    next: () =>
      lines.length > 0
        ? Promise.resolve(lines.shift())
        : ended
          ? Promise.resolve(undefined)
          : new Promise((resolve) => waiting.push(resolve)),
    close: () => rl.close(),
  };
}

/** `edge-gw init --site <kind>`: a site config from a template. */
export async function initCommand(
  opts: InitOptions,
  out: (line: string) => void,
  err: (line: string) => void,
  prompt: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  if (!(SITE_KINDS as readonly string[]).includes(opts.site)) {
    err(`--site: "${opts.site}" is not a kind of site; choose ${SITE_KINDS.join(', ')}`);
    return EXIT.usage;
  }
  const kind = opts.site as SiteKind;
  const bays = Number(opts.bays);
  if (!Number.isInteger(bays) || bays < 1 || bays > 200) {
    err(`--bays: ${opts.bays} is not a whole number of bays from 1 to 200`);
    return EXIT.usage;
  }
  if (existsSync(opts.out) && !opts.force) {
    err(`${opts.out} exists; pass --force to replace it (it is kept as ${opts.out}.backup)`);
    return EXIT.failed;
  }
  const answers: Partial<SiteAnswers> = {
    dataDir: opts.dataDir,
    allowPlaintext: opts.allowPlaintext ?? false,
    bays,
  };
  const given: Partial<Record<keyof SiteAnswers, string | undefined>> = {
    gatewayId: opts.id,
    rs485: opts.rs485,
    thermal: opts.thermal,
    upstreamUrl: opts.upstream,
  };
  // Every flag is checked before the first question, so a typo does not cost the answers.
  for (const key of questionsFor(kind)) {
    const flagValue = given[key];
    if (flagValue === undefined) continue;
    const problem = problemWith(key, flagValue, answers);
    if (problem) {
      err(`${PROMPTS[key]?.flag ?? key}: ${problem}`);
      return EXIT.failed;
    }
    Object.assign(answers, { [key]: flagValue });
  }
  let reader: ReturnType<typeof lineReader> | undefined;
  try {
    for (const key of questionsFor(kind)) {
      const p = PROMPTS[key];
      if (given[key] !== undefined) continue;
      // Asked until the answer is good, or stdin ends.
      reader ??= lineReader();
      const ports = key === 'rs485' || key === 'thermal' ? serialPorts() : [];
      for (;;) {
        prompt(`${p?.ask ?? key}${ports.length ? ` [found: ${ports.join(', ')}]` : ''}: `);
        const line = (await reader.next())?.trim();
        if (line === undefined) {
          err(`\nno answer for ${p?.flag ?? key}: give it as a flag for an unattended run`);
          return EXIT.failed;
        }
        const problem = problemWith(key, line, answers);
        if (!problem) {
          Object.assign(answers, { [key]: line });
          break;
        }
        prompt(`  ${problem}\n`);
      }
    }
  } finally {
    reader?.close();
  }
  const text = siteTemplate(kind, answers as SiteAnswers);
  const tmp = `${opts.out}.tmp`;
  try {
    mkdirSync(dirname(opts.out), { recursive: true });
    writeFileSync(tmp, text);
    // The template must pass the same check as any site: a broken template is a bug here.
    loadConfig(tmp, { catalogue: DeviceCatalogue.load() });
    if (existsSync(opts.out)) copyFileSync(opts.out, `${opts.out}.backup`);
    writeFileSync(opts.out, text);
  } catch (e) {
    if (e instanceof DocumentError) {
      err(`the ${kind} template did not pass the config check (a bug in edge-gw):\n${e.message}`);
      return EXIT.failed;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      err(`cannot write ${opts.out}: permission denied; run with sudo, or choose --out`);
      return EXIT.failed;
    }
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
  out(`wrote a ${kind} site config to ${opts.out}`);
  out('next:');
  out(`  edge-gw provision --config ${opts.out}        # identity, keys, editor login`);
  out(`  edge-gw flow install ${kind} --config ${opts.out}`);
  out(`  edge-gw doctor --config ${opts.out}           # check every device and the broker`);
  return EXIT.ok;
}
