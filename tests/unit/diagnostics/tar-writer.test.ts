import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tarGz } from '../../../runtime/diagnostics/tar-writer.js';
import { tempDir } from '../../harness/temp-dir.js';

describe('tarGz', () => {
  it('writes an archive GNU tar lists and extracts byte for byte', () => {
    const dir = tempDir();
    const big = Buffer.alloc(1500, 7); // spans blocks, with padding
    const file = join(dir, 'a.tar.gz');
    writeFileSync(
      file,
      tarGz([
        { name: 'README.txt', content: 'hello\n', mtimeMs: Date.UTC(2026, 0, 1) },
        { name: 'store/big.bin', content: big, mtimeMs: Date.UTC(2026, 0, 1) },
        { name: 'empty.txt', content: '', mtimeMs: Date.UTC(2026, 0, 1) },
      ]),
    );
    const listing = execFileSync('tar', ['-tvzf', file], { encoding: 'utf8' });
    expect(listing).toMatch(/-rw-r--r-- .* 6 2026-01-01 \d\d:\d\d README\.txt/);
    execFileSync('tar', ['-xzf', file, '-C', dir]);
    expect(readFileSync(join(dir, 'README.txt'), 'utf8')).toBe('hello\n');
    expect(readFileSync(join(dir, 'store/big.bin')).equals(big)).toBe(true);
    expect(readFileSync(join(dir, 'empty.txt'), 'utf8')).toBe('');
  });
});
