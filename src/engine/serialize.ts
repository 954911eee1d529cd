// Platform-neutral (Node and browser) encoding of typed arrays for JSON states and snapshots.

export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) s += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(s);
}

export function base64ToBytes(b64: string, what = 'base64 data'): Uint8Array {
  let s: string;
  try {
    s = atob(b64);
  } catch {
    throw new TypeError(`${what}: not valid base64`);
  }
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function f32ToBase64(a: Float32Array): string {
  return bytesToBase64(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

export function base64ToF32(b64: string, expectedLength: number, what: string): Float32Array {
  const bytes = base64ToBytes(b64, what);
  if (bytes.length !== expectedLength * 4) throw new TypeError(`${what}: expected ${expectedLength} float32 values, got ${bytes.length / 4}`);
  return new Float32Array(bytes.buffer, bytes.byteOffset, expectedLength).slice();
}
