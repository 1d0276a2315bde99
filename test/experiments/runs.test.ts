// The experiment runner's resumable runs: a run stopped at any point (between two calls, or by a
// crash while measuring) and asked again ends with the same bits, marks and validation history as a
// run that went straight through; a folder trained with other options is refused.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Reporter } from '../../experiments/lib/report.ts';
import { type RunSpec, trainRun } from '../../experiments/lib/runs.ts';
import type { Trainer } from '../../src/index.ts';

const quiet: Reporter = { line: () => {}, progress: () => {}, done: () => {} };
const root = mkdtempSync(join(tmpdir(), 'rnn-runs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const text = 'the quick brown fox jumps over the lazy dog; '.repeat(12);
const measure = (t: Trainer): number[] => [...t.params[Object.keys(t.params)[0]].data.slice(0, 4)];
const spec = (until: number, mark: (t: Trainer) => number[] = measure): RunSpec<number[]> => ({
  name: 'tiny',
  text,
  data: 'fox',
  until,
  evalEvery: 3,
  checkpointEvery: 2,
  markAt: [4, 8],
  options: { model: 'lstm', layers: 1, hidden: 8, seqLength: 6, batchSize: 3, epochs: 4, seed: 5 },
  mark,
});
const bits = (t: Trainer): number[][] => Object.values(t.params).map((p) => [...p.data]);

describe('trainRun', () => {
  it('a run resumed after stopping, and after crashing while measuring, equals one trained straight through', async () => {
    const straight = await trainRun(join(root, 'a'), spec(12), quiet);
    expect(straight.trainer.iteration).toBe(12);
    expect(straight.marks.map((m) => m.iteration)).toEqual([4, 8]);

    // stopped at 6, then asked for 12
    const first = await trainRun(join(root, 'b'), spec(6), quiet);
    expect(first.trainer.iteration).toBe(6);
    const resumed = await trainRun(join(root, 'b'), spec(12), quiet);
    expect(resumed.resumed).toBe(true);
    expect(bits(resumed.trainer)).toEqual(bits(straight.trainer));
    expect(resumed.marks).toEqual(straight.marks);
    expect(resumed.iterations).toBe(12);

    // a crash in the measurement at 8: the checkpoint has reached 8, the mark was never recorded
    await expect(
      trainRun(
        join(root, 'c'),
        spec(12, (t) => {
          if (t.iteration === 8) throw new Error('crash');
          return measure(t);
        }),
        quiet,
      ),
    ).rejects.toThrow('crash');
    const after = await trainRun(join(root, 'c'), spec(12), quiet);
    expect(bits(after.trainer)).toEqual(bits(straight.trainer));
    expect(after.marks).toEqual(straight.marks);
    expect(after.history.map((h) => h.iteration)).toEqual(straight.history.map((h) => h.iteration));
  });

  it('asking a finished run again trains nothing and returns its marks', async () => {
    const again = await trainRun(join(root, 'a'), spec(12), quiet);
    expect(again.resumed).toBe(true);
    expect(again.iterations).toBe(12);
    expect(again.marks.map((m) => m.iteration)).toEqual([4, 8]);
  });

  it("a run trained past what an experiment asks reports that experiment's part: iterations, time, history", async () => {
    const full = await trainRun(join(root, 'a'), spec(12), quiet);
    const part = await trainRun(join(root, 'a'), spec(8), quiet);
    expect(part.trainer.iteration).toBe(12);
    expect(part.iterations).toBe(8);
    expect(part.seconds).toBeLessThan(full.seconds);
    expect(part.history.map((h) => h.iteration)).toEqual(full.history.filter((h) => h.iteration <= 8).map((h) => h.iteration));
  });

  it('refuses a folder trained with other options, naming it', async () => {
    const other = { ...spec(12), options: { ...spec(12).options, hidden: 9 } };
    await expect(trainRun(join(root, 'a'), other, quiet)).rejects.toThrow(/run tiny in .* was trained with other options or data/);
  });
});
