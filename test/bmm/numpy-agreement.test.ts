// Agreement with the independent numpy EM (bench/py/bmm_ref.py --fit FILE.npy K) on the same data:
// mean log-likelihood and sorted mixing weights. Needs a python3 with numpy (test/tools.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitBmm } from '../../src/bmm/em.js';
import { unpackBits } from '../../src/engine/bits.js';
import { runPythonJsonLines } from '../../bench/python.js';
import { pythonWithNumpy } from '../tools.js';
import { plantedRows, randomPrototypes } from './helpers.js';

/** A uint8 N × D matrix in .npy v1.0 format. */
function npyBytes(values: Uint8Array, rows: number, cols: number): Uint8Array {
  let header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + values.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8], 0);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(values, 10 + header.length);
  return out;
}

const python = pythonWithNumpy();

test('mean log-likelihood and weights agree with the numpy reference EM', { skip: python.skip }, () => {
  const py = python.need();
  const K = 3, D = 64, N = 1200;
  const { x } = plantedRows(N, D, randomPrototypes(K, D, 81), new Float64Array([0.5, 0.3, 0.2]), 82);
  const dir = mkdtempSync(join(tmpdir(), 'bitspike-bmm-'));
  try {
    const file = join(dir, 'z.npy');
    writeFileSync(file, npyBytes(unpackBits(x), N, D));
    const [ref] = runPythonJsonLines(py, 'bmm_ref.py', ['--fit', file, String(K)]);
    const fit = fitBmm(x, { components: K, seed: 1, tolerance: 1e-10, maxIterations: 200 });
    // numpy works in float32: allow 1e-4 relative.
    const refLl = ref.mean_loglik as number;
    assert.ok(Math.abs(fit.logLikelihood - refLl) <= 1e-4 * Math.abs(refLl), `bitspike ${fit.logLikelihood} vs numpy ${refLl}`);
    const ours = Array.from(fit.model.pi).sort((a, b) => a - b);
    (ref.pi as number[]).forEach((p, k) => assert.ok(Math.abs(p - ours[k]) < 1e-3, `π ${ours} vs ${ref.pi}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
