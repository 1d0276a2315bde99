// `npm run experiment`: the list, one-line errors with exit code 2, and a --quick run that writes
// its results beside the runs (never into experiments/results).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXPERIMENTS } from '../../experiments/index.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const runs = mkdtempSync(join(tmpdir(), 'rnn-exp-'));
afterAll(() => rmSync(runs, { recursive: true, force: true }));

function experiment(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'experiments', 'run.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, RNN_EXPERIMENT_RUNS: runs },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('npm run experiment', () => {
  it('--list names every experiment', () => {
    const r = experiment('--list');
    expect(r.code).toBe(0);
    expect(
      r.out
        .trim()
        .split('\n')
        .map((l) => l.split(/\s+/)[0]),
    ).toEqual(EXPERIMENTS.map((e) => e.name));
  });

  it.each([
    [['nonsense'], /^experiment: error: no experiment 'nonsense' \(there are training-stages, /],
    [[], /^experiment: error: name an experiment, or give --all or --list/],
    [['--all', 'names'], /^experiment: error: give experiment names or --all, not both/],
    [['names', '--threads', '3'], /^experiment: error: --threads must be 0 \(automatic\), 1 or 2, got '3'/],
    [['--frobnicate'], /^experiment: error: .*frobnicate.*\(see --help\)/],
  ])('%j: one line on stderr, exit 2', (args, message) => {
    const r = experiment(...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('--quick writes its results beside the runs and a second call skips the finished experiment', () => {
    const r = experiment('names', '--quick');
    expect(r.code, r.err).toBe(0);
    const dir = join(runs, 'quick', 'results', 'names');
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { complete: boolean; quick: boolean };
    expect(results).toMatchObject({ complete: true, quick: true });
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toMatch(/^# Baby names/);
    expect(existsSync(join(runs, 'quick', 'names-quick', 'latest.safetensors'))).toBe(true);
    const again = experiment('names', '--quick');
    expect(again.out).toMatch(/already done/);
  });
});
