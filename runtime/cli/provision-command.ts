import { identityFiles, provision, ProvisionError } from '../provision/provision.js';
import { lookupUser } from '../shared/private-files.js';
import { EXIT } from './exit-codes.js';
import { loadSiteForSetup } from './load-site.js';

export interface ProvisionOptions {
  config: string;
  selfSigned?: boolean;
  days: string;
  org?: string;
  commandKey?: string;
  owner?: string;
  force?: boolean;
}

/** `edge-gw provision`: the gateway's identity and secrets, in its data directory. */
export function provisionCommand(
  opts: ProvisionOptions,
  out: (line: string) => void,
  err: (line: string) => void,
  now = new Date(),
): number {
  const days = Number(opts.days);
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    err(`--days: ${opts.days} is not a whole number of days from 1 to 3650`);
    return EXIT.usage;
  }
  const site = loadSiteForSetup(opts.config);
  if (!site.ok) {
    err(site.message);
    return EXIT.failed;
  }
  const { id, dataDir } = site.gateway;
  try {
    const owner = opts.owner ? lookupUser(opts.owner) : undefined;
    const result = provision({
      gatewayId: id,
      dataDir,
      selfSigned: opts.selfSigned ?? false,
      days,
      ...(opts.org ? { organization: opts.org } : {}),
      ...(opts.commandKey ? { commandKeyFile: opts.commandKey } : {}),
      force: opts.force ?? false,
      ...(owner ? { owner } : {}),
      now,
    });
    out(`provisioned gateway ${id} in ${dataDir}`);
    if (result.previous) out(`  the earlier identity is kept in ${result.previous}`);
    for (const w of result.written)
      out(`  ${w.mode.toString(8).padStart(4, '0')}  ${w.file}  ${w.what}`);
    out(`  public key sha256 ${result.publicKeySha256}`);
    out('');
    out(
      `editor and status page login: ${result.editor.username} / ${result.editor.password} (shown once; kept in ${result.editor.file})`,
    );
    const files = identityFiles(dataDir);
    out('');
    out('next:');
    if (!opts.selfSigned)
      out(`  have the platform sign ${files.csr}; save the certificate as ${files.cert}`);
    out(
      `  for TLS client authentication, set in ${opts.config}: upstream.tls: { cert: ${files.cert}, key: ${files.key} }`,
    );
    if (opts.commandKey)
      out(
        `  to accept signed commands: upstream.commands.ed25519PublicKeyFile: ${files.commandKey}`,
      );
    out(`  then check the site: edge-gw doctor --config ${opts.config}`);
    return EXIT.ok;
  } catch (e) {
    if (
      e instanceof ProvisionError ||
      (e instanceof Error && /no user|cannot read/.test(e.message))
    ) {
      err(`edge-gw provision: ${e.message}`);
      return EXIT.failed;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      err(
        `edge-gw provision: ${(e as Error).message}: run it as root (sudo), or as the gateway's user on its own data directory`,
      );
      return EXIT.failed;
    }
    throw e;
  }
}
