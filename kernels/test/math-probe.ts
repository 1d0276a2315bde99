// Test-only entry (test/fast/fused.test.ts): the vector math of ../assembly/math.ts applied to whole
// arrays, so its accuracy can be measured against Math.exp/Math.tanh directly. Not part of the
// kernel build. out[i] = f(x[i]) for i < n; the tail goes through the same vector code, one lane.

import { vexp, vsigmoid, vtanh, logF64 } from '../assembly/math';

// which: 0 = exp, 1 = sigmoid, 2 = tanh
@inline function apply<T>(which: i32, x: v128): v128 {
  return which == 0 ? vexp<T>(x) : which == 1 ? vsigmoid<T>(x) : vtanh<T>(x);
}

function map<T>(which: i32, x: usize, out: usize, n: i32): void {
  const L = 16 / <i32>sizeof<T>();
  let i = 0;
  for (; i + L <= n; i += L) v128.store(out + <usize>i * sizeof<T>(), apply<T>(which, v128.load(x + <usize>i * sizeof<T>())));
  for (; i < n; i++) v128.store_lane<T>(out + <usize>i * sizeof<T>(), apply<T>(which, v128.load_splat<T>(x + <usize>i * sizeof<T>())), 0);
}

export function map_f32(which: i32, x: usize, out: usize, n: i32): void { map<f32>(which, x, out, n); }
export function map_f64(which: i32, x: usize, out: usize, n: i32): void { map<f64>(which, x, out, n); }
export function log_f64(x: f64): f64 { return logF64(x); }
