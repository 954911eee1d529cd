// Weight initializers. Fans follow PyTorch: for a weight [out, in, ...k], fanIn = in·prod(k),
// fanOut = out·prod(k).
import type { Rng } from './random.js';
import { sizeOf, type Shape } from './shape.js';
import { Tensor } from './tensor.js';

export function fans(shape: Shape): { fanIn: number; fanOut: number } {
  if (shape.length < 2) return { fanIn: shape[0] ?? 1, fanOut: shape[0] ?? 1 };
  const receptive = sizeOf(shape.slice(2));
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

export type Initializer =
  | { kind: 'zeros' } | { kind: 'ones' } | { kind: 'constant'; value: number }
  | { kind: 'uniform'; lo: number; hi: number } | { kind: 'normal'; std: number }
  | { kind: 'glorotUniform' } | { kind: 'glorotNormal' }
  | { kind: 'heUniform' } | { kind: 'heNormal' }
  /** PyTorch's default for Linear/Conv: U(±1/sqrt(fanIn)) (kaiming_uniform with a=√5). */
  | { kind: 'torchDefault' };

export function initialize(shape: Shape, init: Initializer, rng?: Rng, requiresGrad = true): Tensor {
  const n = sizeOf(shape);
  const random = (): Rng => {
    if (!rng) throw new TypeError(`initialize: initializer '${init.kind}' is random and needs an rng`);
    return rng;
  };
  const d = new Float32Array(n);
  const { fanIn, fanOut } = fans(shape);
  const uni = (b: number) => { const r = random(); for (let i = 0; i < n; i++) d[i] = r.uniform(-b, b); };
  const nor = (s: number) => { const r = random(); for (let i = 0; i < n; i++) d[i] = r.normal(0, s); };
  switch (init.kind) {
    case 'zeros': break;
    case 'ones': d.fill(1); break;
    case 'constant': d.fill(init.value); break;
    case 'uniform': { const r = random(); for (let i = 0; i < n; i++) d[i] = r.uniform(init.lo, init.hi); break; }
    case 'normal': nor(init.std); break;
    case 'glorotUniform': uni(Math.sqrt(6 / (fanIn + fanOut))); break;
    case 'glorotNormal': nor(Math.sqrt(2 / (fanIn + fanOut))); break;
    case 'heUniform': uni(Math.sqrt(6 / fanIn)); break;
    case 'heNormal': nor(Math.sqrt(2 / fanIn)); break;
    case 'torchDefault': uni(1 / Math.sqrt(fanIn)); break;
    default: throw new TypeError(`initialize: unknown initializer ${JSON.stringify(init)}`);
  }
  return new Tensor(d, shape, requiresGrad);
}
