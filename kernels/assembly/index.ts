// The WebAssembly kernel module: one entry that re-exports every kernel, built by
// scripts/build-kernels.mjs into each variant (plain or relaxed SIMD; one thread or shared memory).
// Arrays are passed as byte offsets into the imported memory; see src/fast/kernels.ts for what each
// kernel computes (its TypeScript reference is the specification) and src/fast/wasm.ts for the
// calling convention.

export * from './gemm';
export * from './fused';
