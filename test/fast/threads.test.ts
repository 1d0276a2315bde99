// When the WebAssembly set shares a product with its worker thread (src/fast/threads.ts
// SplitChooser): by timings, per shape, so that a busy machine, where the worker comes late, falls
// back to one thread, and a machine that becomes free again goes back to two. Fed with made-up
// timings here; whichever way it chooses, the product's bits are the same (gemm.test.ts).
import { describe, expect, it } from 'vitest';
import { SplitChooser } from '../../src/fast/threads.ts';

/**
 * Runs `n` products of one shape whose time is `ms(shared, awake)`; returns how many were shared.
 * The worker model: it sleeps after a product on one thread; signalled (given a product, or asked to
 * wake up) it takes one product's time to come up, and is awake from the next.
 */
function run(c: SplitChooser, n: number, ms: (shared: boolean, awake: boolean) => number, key = 'NT50,128,512'): number {
  let shared = 0,
    worker: 'asleep' | 'waking' | 'awake' = 'asleep';
  for (let i = 0; i < n; i++) {
    const s = c.wanted(key);
    const wake = c.wake();
    c.record(key, s, ms(s, worker === 'awake'));
    worker = s || wake ? (worker === 'asleep' ? 'waking' : 'awake') : 'asleep';
    if (s) shared++;
  }
  return shared;
}

describe('SplitChooser', () => {
  it('skips the first two products of a shape (first calls are slow), then times both ways in turn', () => {
    const c = new SplitChooser();
    const seen = [];
    for (let i = 0; i < 8; i++) {
      seen.push(c.wanted('k'));
      c.record('k', seen[i], 1);
    }
    expect(seen).toEqual([false, true, true, false, true, false, true, false]);
  });

  it('shares when sharing is faster, and retries one thread ever more rarely', () => {
    const c = new SplitChooser();
    const shared = run(c, 1000, (s) => (s ? 0.13 : 0.25));
    // 1 + 3 products on one thread at first, then one try after 16, 32, 64, 128, 256, 512 products
    expect(shared).toBeGreaterThanOrEqual(1000 - 4 - 6);
    expect(shared).toBeLessThan(1000 - 4);
  });

  it('stays on one thread when the worker comes late', () => {
    const c = new SplitChooser();
    // 1 + 3 shared at first, then tries of two shared products after 16, 32, 64, ... products
    expect(run(c, 1000, (s) => (s ? 5 : 0.25))).toBeLessThanOrEqual(4 + 2 * 7);
  });

  it('wakes a sleeping worker before it times a try of sharing', () => {
    // sharing is faster, but only with the worker awake; it sleeps after products on one thread
    const c = new SplitChooser();
    run(c, 50, (s) => (s ? 5 : 0.25)); // busy at first: settles on one thread
    const shared = run(c, 300, (s, awake) => (s ? (awake ? 0.13 : 5) : 0.25));
    expect(shared).toBeGreaterThan(200);
  });

  it('follows a machine that gets busy and then free again, each shape on its own', () => {
    const c = new SplitChooser();
    run(c, 100, (s) => (s ? 0.13 : 0.25));
    expect(run(c, 10, (s) => (s ? 0.5 : 0.25), 'other shape')).toBe(4); // a new shape starts over
    expect(
      run(c, 100, (s) => (s ? 5 : 0.25)),
      'busy: a few slow products, then one thread',
    ).toBeLessThanOrEqual(3 + 2 * 2);
    const back = run(c, 200, (s) => (s ? 0.13 : 0.25));
    expect(back, 'free again: back to two threads after a few tries').toBeGreaterThan(100);
  });
});
