// Finite-difference gradient checking for ops and custom gradients. Central differences on float32
// data, so pick inputs away from kinks (ReLU at 0, max ties) and compare with a loose tolerance.
import { Tensor } from './tensor.js';

export interface GradCheckResult { maxAbsError: number; maxRelError: number; worst: { input: number; index: number; analytic: number; numeric: number } | null }

/**
 * Compares d(sum(f(inputs) · w))/d(inputs) from backward() with central differences, where w is a
 * fixed pseudo-random weighting so every output element matters.
 */
export function gradCheck(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], eps = 1e-2): GradCheckResult {
  const leaves = inputs.map((t) => new Tensor(t.f32.slice(), t.shape, true));
  const out0 = f(...leaves);
  const w = new Float32Array(out0.size);
  for (let i = 0; i < w.length; i++) w[i] = Math.sin(i * 12.9898 + 1.5) * 0.5 + 0.75;
  const objective = (o: Tensor) => { let s = 0; const d = o.f32; for (let i = 0; i < d.length; i++) s += d[i] * w[i]; return s; };
  out0.backward(w);
  let maxAbsError = 0, maxRelError = 0;
  let worst: GradCheckResult['worst'] = null;
  leaves.forEach((leaf, li) => {
    const analytic = leaf.grad?.f32 ?? new Float32Array(leaf.size);
    const data = leaf.f32;
    for (let i = 0; i < data.length; i++) {
      const orig = data[i];
      data[i] = orig + eps;
      const fp = objective(f(...leaves.map((l) => l.detach())));
      data[i] = orig - eps;
      const fm = objective(f(...leaves.map((l) => l.detach())));
      data[i] = orig;
      const numeric = (fp - fm) / (2 * eps);
      const abs = Math.abs(numeric - analytic[i]);
      const rel = abs / Math.max(1, Math.abs(numeric), Math.abs(analytic[i]));
      if (rel > maxRelError) { maxRelError = rel; worst = { input: li, index: i, analytic: analytic[i], numeric }; }
      maxAbsError = Math.max(maxAbsError, abs);
    }
  });
  return { maxAbsError, maxRelError, worst };
}
