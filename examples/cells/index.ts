// The example cells, registered for the property tests (test/examples/cells.test.ts): a cell added
// to this list is checked, on random shapes and seeds, tape against its hand-derived backward and
// both against central finite differences, with no test of its own to write.
//
// This is a tape-only registry: these cells run on the engine and in plain loops, not in char-rnn's
// models or on the fast kernels. Bringing one into CellKind is the second half of docs/extending.md.

import type { ExampleCell } from './cell.ts';
import { mgu } from './mgu.ts';

export type { CellArrays, CellParams, ExampleCell, ManualCell, Sizes } from './cell.ts';

export const EXAMPLE_CELLS: readonly ExampleCell[] = [mgu as ExampleCell];
