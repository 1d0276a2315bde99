// The gradient check's own worker: the three-way check (tape, hand-derived, finite differences)
// takes seconds to tens of seconds, and a worker busy with it cannot be interrupted, so the page
// runs it here and cancels it by ending this worker (training, in the other worker, goes on).
// As in worker.ts, the library loads asynchronously, so a request that arrives first waits for it.

import type { GradcheckAnswer, GradcheckRequest } from './protocol.ts';

const scope = globalThis as unknown as { onmessage: ((e: MessageEvent<GradcheckRequest>) => void) | null; postMessage(m: GradcheckAnswer): void };
const early: GradcheckRequest[] = [];
scope.onmessage = (e) => early.push(e.data);
const { UserError, charGradcheck } = await import('../src/core.ts');

/**
 * A small model of the current kind and depth, on the current text, with fresh well-scaled
 * parameters (see charGradcheck): what it checks is the code the model trains with.
 */
function check({ kind, layers, hidden, seqLength, batch, text }: GradcheckRequest): void {
  const start = performance.now();
  try {
    const r = charGradcheck({ kind, layers, hidden, text, seqLength, batch, seed: 1 });
    scope.postMessage({
      type: 'gradcheck',
      rows: r.rows,
      pass: r.pass,
      loss: r.loss,
      seconds: (performance.now() - start) / 1000,
      config: `${kind} ${layers}×${hidden}, V = ${r.vocabSize}, seq ${seqLength}, batch ${batch}`,
    });
  } catch (err) {
    if (!(err instanceof UserError)) console.error(err);
    scope.postMessage({
      type: 'error',
      message: err instanceof UserError ? err.message : `internal error: ${err instanceof Error ? err.message : String(err)}`,
    });
  }
}

scope.onmessage = (e) => check(e.data);
for (const m of early) check(m);
