// Hot compute kernels (SIMD128). Owned by the kernels subsystem; see src/engine/kernels/.
export function version(): i32 {
  return 1;
}
