// Random SpikeGrad networks with exactly representable numbers: weights are multiples of 2⁻⁶, inputs
// multiples of ¼, gains, thresholds and Scaling = G/T_in powers of two. Every partial sum then has few
// enough significant bits that float32 (fast path) and float64 (event-driven) arithmetic are exact,
// whatever the summation order — so the two paths must agree bit for bit.
import { Rng } from '../../src/engine/random.js';
import { Tensor } from '../../src/engine/tensor.js';
import { resolveLayers, SpikeGradNetwork, type LayerSpec, type MapShape, type SpikeGradConfig } from '../../src/snn/network.js';

export interface Case {
  readonly net: SpikeGradNetwork;
  readonly x: Float32Array;
  readonly labels: Int32Array;
  readonly n: number;
  readonly inputTicks: number;
  readonly description: string;
}

const pick = <T>(rng: Rng, a: readonly T[]): T => a[rng.int(a.length)];

function randomTopology(rng: Rng, kind: 'mlp' | 'conv'): { input: MapShape; specs: LayerSpec[] } {
  const classes = 2 + rng.int(3);
  if (kind === 'mlp') {
    const input: MapShape = [1, 3 + rng.int(3), 3 + rng.int(3)];
    const hidden = 1 + rng.int(2);
    const specs: LayerSpec[] = [];
    for (let i = 0; i < hidden; i++) specs.push({ kind: 'dense', units: 3 + rng.int(6) });
    specs.push({ kind: 'dense', units: classes });
    return { input, specs };
  }
  const input: MapShape = [1 + rng.int(2), 6 + rng.int(3), 6 + rng.int(3)];
  const specs: LayerSpec[] = [{ kind: 'conv', channels: 2 + rng.int(2), kernel: 2 + rng.int(2), stride: 1 + rng.int(2), padding: rng.int(2) }];
  if (rng.bernoulli(0.6)) specs.push({ kind: 'pool', size: 2, stride: pick(rng, [1, 2]) });
  if (rng.bernoulli(0.4)) specs.push({ kind: 'conv', channels: 2 + rng.int(2), kernel: 2, stride: 1, padding: rng.int(2) });
  if (rng.bernoulli(0.5)) specs.push({ kind: 'dense', units: 3 + rng.int(4) });
  specs.push({ kind: 'dense', units: classes });
  try {
    resolveLayers(input, specs);
    return { input, specs };
  } catch {
    return randomTopology(rng, kind);
  }
}

export function dyadicWeight(rng: Rng, mean: number, std: number): number {
  return Math.max(-1, Math.min(1, Math.round(rng.normal(mean, std) * 64) / 64));
}

export function randomCase(seed: number, kind: 'mlp' | 'conv', overrides: Partial<SpikeGradConfig> = {}): Case {
  const rng = new Rng(seed);
  const { input, specs } = randomTopology(rng, kind);
  const theta = pick(rng, [0.5, 1, 1, 2]);
  const config: Partial<SpikeGradConfig> = {
    gain: pick(rng, [2, 4, 8]) * theta, thetaFf: theta, thetaBp: theta, errorScale: pick(rng, [4, 16, 64]) * theta, ...overrides,
  };
  const layers = resolveLayers(input, specs);
  const weights = layers.filter((l) => l.weightShape).map((l) => {
    const shape = l.weightShape as readonly number[];
    const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
    const d = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < d.length; i++) d[i] = dyadicWeight(rng, 0.3 / fanIn, Math.sqrt(2 / fanIn));
    return new Tensor(d, shape, true);
  });
  const net = new SpikeGradNetwork(input, specs, config, weights);
  const n = 1 + rng.int(3);
  const x = new Float32Array(n * net.inputSize);
  for (let i = 0; i < x.length; i++) x[i] = rng.bernoulli(0.25) ? 0 : rng.int(5) / 4;
  const labels = new Int32Array(n);
  for (let b = 0; b < n; b++) labels[b] = rng.int(net.numClasses);
  const inputTicks = pick(rng, [1, 2, 4]);
  return { net, x, labels, n, inputTicks, description: `seed ${seed} ${kind} ${JSON.stringify(specs)} ${JSON.stringify(config)} T_in=${inputTicks} n=${n}` };
}

/** Counts of layer `li` of example b from a fast-path N × size float array, as integers. */
export function exampleRow(a: Float32Array, b: number, size: number): Int32Array {
  return Int32Array.from(a.subarray(b * size, (b + 1) * size));
}
