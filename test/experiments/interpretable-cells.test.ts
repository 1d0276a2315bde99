// The interpretable-cells experiment trains nothing: without the trained runs it says which are
// missing and what trains them (one line, exit 1, no results written); with --quick it trains two
// toy models and writes its README, the coloured passages and the charts as SVG.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const runs = mkdtempSync(join(tmpdir(), 'rnn-cells-'));
afterAll(() => rmSync(runs, { recursive: true, force: true }));

function experiment(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'experiments', 'run.ts'), 'interpretable-cells', '--runs', runs, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('interpretable-cells', () => {
  it('names the missing trained runs and the experiments that train them', () => {
    const r = experiment('--force');
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/trains nothing/);
    expect(r.err).toMatch(/warpeace-lstm-2x256 \(npm run experiment -- temperature trains it\)/);
    expect(r.err).toMatch(/linux-lstm-2x512 \(npm run experiment -- linux trains it\)/);
    expect(existsSync(join(runs, 'warpeace-lstm-2x256'))).toBe(false); // nothing was started
  });

  it('--quick: two toy models, a README with the comparison, SVGs of coloured text well under 1 MB', () => {
    const r = experiment('--quick');
    expect(r.code, r.err).toBe(0);
    const dir = join(runs, 'quick', 'results', 'interpretable-cells');
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme).toMatch(/## Against the paper/);
    const svgs = readdirSync(dir).filter((f) => f.endsWith('.svg'));
    for (const f of ['warpeace-quote.svg', 'warpeace-line-position.svg', 'warpeace-typical.svg', 'linux-comment.svg', 'linux-typical.svg'])
      expect(svgs).toContain(f);
    for (const f of svgs) expect(statSync(join(dir, f)).size).toBeLessThan(1e6);
    expect(readFileSync(join(dir, 'warpeace-quote.svg'), 'utf8')).toMatch(/<text x="[\d ]+" y="\d+"/);
  }, 180_000); // seconds alone, but the Linux corpus is read and encoded, and the machine may be busy
});
