/**
 * The offline bundle and the installer: scripts/bundle.sh packs the built runtime with its
 * production node_modules and Node.js; its install.sh lays it out (under --root here: no user,
 * no systemctl) without Node, npm or the network on the PATH, and the installed CLI runs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageRoot, packageVersion } from '../../runtime/shared/package-root.js';
import { tempDir } from '../harness/temp-dir.js';

const root = packageRoot();
let extracted = '';
/** Where the first test installed to (the log rotation test reads its files). */
let target = '';

/** A PATH with only the shell tools install.sh may use: no node, npm, curl or wget. */
function bareBin(): string {
  const bin = tempDir();
  for (const tool of [
    'bash',
    'sh',
    'sed',
    'uname',
    'id',
    'install',
    'mkdir',
    'rm',
    'mv',
    'find',
    'wc',
    'tar',
    'cat',
    'chmod',
    'dirname',
    'gzip',
  ]) {
    const which = spawnSync('bash', ['-c', `command -v ${tool}`], {
      encoding: 'utf8',
    }).stdout.trim();
    if (which) symlinkSync(which, join(bin, tool));
  }
  return bin;
}

function install(bundleDir: string, args: string[]) {
  return spawnSync(join(bareBin(), 'bash'), [join(bundleDir, 'install.sh'), ...args], {
    encoding: 'utf8',
    env: { PATH: bareBin() },
  });
}

beforeAll(() => {
  // Staged, not tarred: gzip of 130 MB would add a minute and prove only that tar works.
  const out = tempDir();
  execFileSync('bash', [join(root, 'scripts/bundle.sh'), '--out', out, '--no-tar'], {
    cwd: root,
    stdio: 'ignore',
  });
  extracted = join(out, readdirSync(out)[0] ?? '');
}, 300_000);

describe('the offline bundle', () => {
  it('holds the runtime, Node.js and production modules only', () => {
    const bundle = JSON.parse(readFileSync(join(extracted, 'BUNDLE.json'), 'utf8')) as {
      arch: string;
      nodeMajor: number;
    };
    expect(bundle.arch).toBe(process.arch);
    expect(bundle.nodeMajor).toBe(Number(process.versions.node.split('.')[0]));
    expect(existsSync(join(extracted, 'dist/runtime/cli/main.js'))).toBe(true);
    expect(existsSync(join(extracted, 'node/bin/node'))).toBe(true);
    expect(existsSync(join(extracted, 'node_modules/better-sqlite3'))).toBe(true);
    // Dev dependencies are pruned.
    for (const dev of ['vitest', 'eslint', 'playwright-core', 'tsx'])
      expect(existsSync(join(extracted, 'node_modules', dev))).toBe(false);
  });

  it('installs without node, npm or the network, and the installed edge-gw runs', () => {
    target = tempDir();
    const site = join(tempDir(), 'site.yaml');
    copyFileSync(join(root, 'tests/fixtures/config/good/minimal.yaml'), site);
    const result = install(extracted, ['--root', target, '--config', site]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^\[7\/7\] log rotation/m);
    const unit = readFileSync(join(target, 'etc/systemd/system/edge-gw.service'), 'utf8');
    expect(unit).toContain('WatchdogSec=60');
    expect(unit).toContain('Type=notify');
    expect(unit).toContain('SupplementaryGroups=dialout gpio');
    expect(unit).toContain(
      'ExecStart=/opt/edge-gw/node/bin/node /opt/edge-gw/bin/edge-gw.js run --config /etc/edge-gw/site.yaml',
    );
    expect((statSync(join(target, 'var/lib/edge-gw')).mode & 0o777).toString(8)).toBe('750');
    expect(readFileSync(join(target, 'usr/local/bin/edge-gw'), 'utf8')).toContain(
      'exec /opt/edge-gw/node/bin/node /opt/edge-gw/bin/edge-gw.js "$@"',
    );

    const node = join(target, 'opt/edge-gw/node/bin/node');
    const cli = join(target, 'opt/edge-gw/bin/edge-gw.js');
    const run = (...args: string[]) =>
      spawnSync(node, [cli, ...args], { encoding: 'utf8', env: { PATH: bareBin() } });
    expect(run('--version').stdout.trim()).toBe(packageVersion());
    const config = join(target, 'etc/edge-gw/site.yaml');
    expect(run('provision', '--config', config, '--self-signed').status).toBe(0);
    const doctor = run('doctor', '--config', config, '--no-devices', '--no-upstream');
    expect(doctor.stdout).toMatch(/^\[ ok \] identity /m);
    expect(doctor.status).toBe(0);
    // The native SQLite module was built for the bundled Node.
    const sqlite = spawnSync(
      node,
      [
        '-e',
        `const D=require('${join(target, 'opt/edge-gw/node_modules/better-sqlite3')}');console.log(new D(':memory:').prepare('select 41+1 as n').get().n)`,
      ],
      { encoding: 'utf8' },
    );
    expect(sqlite.stdout.trim()).toBe('42');

    // Installing again keeps the previous runtime for a rollback, and the site's config.
    writeFileSync(site, readFileSync(site, 'utf8').replace('lp0042', 'lp0043'));
    const again = install(extracted, ['--root', target, '--config', site]);
    expect(again.status).toBe(0);
    expect(existsSync(join(target, 'opt/edge-gw.previous/bin/edge-gw.js'))).toBe(true);
    expect(readFileSync(config, 'utf8')).toContain('lp0042');
    expect(readFileSync(`${config}.new`, 'utf8')).toContain('lp0043');
  });

  it('writes a log rotation logrotate accepts', () => {
    const logrotate = ['/usr/sbin/logrotate', '/sbin/logrotate'].find((p) => existsSync(p));
    if (!logrotate) return; // not installed here: the content is checked above all the same
    const check = spawnSync(logrotate, ['-d', join(target, 'etc/logrotate.d/edge-gw')], {
      encoding: 'utf8',
    });
    expect(check.status).toBe(0);
    expect(check.stderr).not.toMatch(/error/i);
  });

  it('refuses a bundle built for another architecture, before touching anything', () => {
    const fake = tempDir();
    copyFileSync(join(extracted, 'install.sh'), join(fake, 'install.sh'));
    writeFileSync(
      join(fake, 'BUNDLE.json'),
      readFileSync(join(extracted, 'BUNDLE.json'), 'utf8').replace(
        /"arch": "[^"]+"/,
        '"arch": "riscv64"',
      ),
    );
    const target = join(tempDir(), 'root');
    mkdirSync(target);
    const result = install(fake, ['--root', target]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('the bundle is for riscv64, this machine is');
    expect(readdirSync(target)).toEqual([]);
  });
});
