// The training worker's entry. The library finishes loading asynchronously (the WebAssembly kernels
// are compiled while it is imported), and a module worker dispatches messages as soon as its event
// loop runs, so messages that arrive before then are queued here and handed over in order.

import type { ToWorker } from './protocol.ts';

const scope = globalThis as unknown as { onmessage: ((e: MessageEvent<ToWorker>) => void) | null };
const early: ToWorker[] = [];
scope.onmessage = (e) => early.push(e.data);
const { receive } = await import('./worker-main.ts');
scope.onmessage = (e) => receive(e.data);
for (const m of early) receive(m);
