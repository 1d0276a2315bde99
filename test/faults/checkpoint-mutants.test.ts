// A few hundred seeded checkpoint mutants against `rnn sample`, `rnn eval` and `rnn train --resume`.
// Every run ends in exit 0 (the mutation was harmless: a flipped bit in a weight, a long history)
// or in exactly one `rnn: error:` line with exit 1 or 2: never an internal error (70), a stack
// trace or a V8 abort. The mutant file is never changed, and a failed resume writes nothing.
// The commands run in this process (a few milliseconds each); a sample of them also as real processes.

import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../src/index.ts';
import { expectOneLineError, type Outcome, rnnInProcess, rnnProcess, sandbox, sha256 } from './helpers.ts';
import { mutant } from './mutants.ts';

const MUTANTS = 300;
const SEED = 18;
/** Every SPAWN_EVERY-th mutant is also run by the real executable (sample only). */
const SPAWN_EVERY = 50;

const box = sandbox('rnn-mutants-');
const original = readFileSync(box.checkpoint);
const counts = { mutants: 0, runs: 0, spawned: 0, accepted: 0, byCode: new Map<number, number>() };

/** Exit 0 with at most warnings on stderr, or one error line with exit 1 or 2. */
function expectHandled(r: Outcome, what: string): void {
  counts.runs++;
  counts.byCode.set(r.code ?? -1, (counts.byCode.get(r.code ?? -1) ?? 0) + 1);
  if (r.code === 0) {
    expect(
      r.err.split('\n').filter((l) => l !== '' && !l.startsWith('rnn: warning: ')),
      what,
    ).toEqual([]);
    return;
  }
  expect([1, 2], `${what}: exit ${r.code}: ${r.err.slice(0, 300)}`).toContain(r.code);
  expectOneLineError(r, r.code!);
}

describe(`${MUTANTS} seeded checkpoint mutants (seed ${SEED})`, () => {
  afterAll(() => {
    const codes = [...counts.byCode]
      .sort()
      .map(([c, n]) => `exit ${c}: ${n}`)
      .join(', ');
    console.log(
      `fault suite: ${counts.mutants} checkpoint mutants, ${counts.runs} in-process runs of sample/eval/train --resume (${codes}), ${counts.spawned} spawned; ${counts.accepted} mutants still loaded`,
    );
    rmSync(box.dir, { recursive: true, force: true });
  });

  for (let start = 0; start < MUTANTS; start += 50) {
    it(`mutants ${start}–${start + 49}`, async () => {
      for (let i = start; i < start + 50; i++) {
        const m = mutant(original, SEED, i);
        const path = box.f(`m${i}.safetensors`);
        const out = box.f(`resumed${i}.safetensors`);
        writeFileSync(path, m.bytes);
        const before = sha256(path);
        const what = `mutant ${i} (${m.kind})`;
        counts.mutants++;
        try {
          decodeCheckpoint(m.bytes, 'm');
          counts.accepted++;
        } catch {
          // refused at load: the commands below must say so in one line
        }
        expectHandled(await rnnInProcess('sample', '--checkpoint', path, '--length', '20', '--kernels', 'ts'), `sample, ${what}`);
        expectHandled(await rnnInProcess('eval', '--checkpoint', path, '--data', box.data, '--kernels', 'ts', '--batch', '2', '--seq', '4'), `eval, ${what}`);
        const resumed = await rnnInProcess(
          'train',
          '--resume',
          path,
          '--data',
          box.data,
          '--checkpoint',
          out,
          '--iters',
          '1',
          '--kernels',
          'ts',
          '--sample-length',
          '1',
        );
        expectHandled(resumed, `train --resume, ${what}`);
        if (resumed.code === 0) expect(() => decodeCheckpoint(readFileSync(out), 'resumed')).not.toThrow();
        else expect(existsSync(out), `${what}: a failed resume wrote ${out}`).toBe(false);
        expect(sha256(path), `${what} changed the file it read`).toBe(before);
        if (i % SPAWN_EVERY === 0) {
          counts.spawned++;
          expectHandled(rnnProcess(box.dir, ['sample', '--checkpoint', path, '--length', '5', '--kernels', 'ts']), `spawned sample, ${what}`);
        }
        rmSync(path);
        rmSync(out, { force: true });
        rmSync(box.f(`resumed${i}.best.safetensors`), { force: true });
      }
    }, 240_000);
  }
});
