// Geometry blocks: the host (src/engine/kernels/wasm.ts) lays out each call's shape as consecutive
// i32 fields in shared memory and passes their address, so a kernel takes one pointer instead of a
// dozen arguments. The field order of each block is documented where the block is read.

/** Field i of the i32 geometry block at g. */
// @ts-ignore: decorator
@inline export function gi(g: usize, i: i32): i32 { return load<i32>(g + <usize>i * 4); }
