// Visual XOR (docs/methods-snn.md §12.3): A, B ∈ {0, 1} uniformly and C = A XOR B, each variable shown as
// a randomly drawn MNIST image of that digit (training images from the training split, test images
// from the test split). One slot is blanked and the network infers its digit as a 2-way class, so
// the same network answers in every direction.
import { Adam } from '../engine/optim/adam.js';
import type { Rng } from '../engine/random.js';
import { fastBackwardFrom, fastForward, outputErrorsFrom } from '../snn/fastPath.js';
import type { OutputErrorFn } from '../snn/outputError.js';
import { eventDrivenStep, optimizeFromCounts } from '../snn/train.js';
import type { BatchResult } from '../snn/eventSim.js';
import type { Synapses } from '../snn/layers.js';
import { SpikeGradNetwork, type SpikeGradConfig } from '../snn/network.js';

/** Images of digits 0 and 1 (pixels / 255, 784 per image). */
export interface DigitPools { zeros: Float32Array; ones: Float32Array; size: number }

export function digitPools(images: Uint8Array, labels: Int32Array, size: number): DigitPools {
  const pick = (d: number) => {
    const idx = [...labels.keys()].filter((i) => labels[i] === d);
    if (idx.length === 0) throw new RangeError(`visual XOR: the dataset has no images of digit ${d}`);
    const out = new Float32Array(idx.length * size);
    idx.forEach((i, j) => { for (let p = 0; p < size; p++) out[j * size + p] = images[i * size + p] / 255; });
    return out;
  };
  return { zeros: pick(0), ones: pick(1), size };
}

export interface XorExample { bits: [number, number, number]; missing: number; images: [number, number, number] }

export interface VisualXorConfig { hidden: number; lr: number; infer: 'any' | 'A' | 'B' | 'C'; spike: Partial<SpikeGradConfig> }

export const DEFAULT_XOR: VisualXorConfig = { hidden: 128, lr: 1e-3, infer: 'any', spike: { gain: 16, errorScale: 64, loss: 'ce', input: 'analog' } };

export class VisualXorNetwork {
  readonly net: SpikeGradNetwork;
  readonly optimizer: Adam;
  readonly cfg: VisualXorConfig;

  constructor(readonly imageSize: number, cfg: Partial<VisualXorConfig>, rng: Rng) {
    this.cfg = { ...DEFAULT_XOR, ...cfg, spike: { ...DEFAULT_XOR.spike, ...cfg.spike } };
    this.net = SpikeGradNetwork.create([3 * imageSize, 1, 1], [{ kind: 'dense', units: this.cfg.hidden }, { kind: 'dense', units: 6 }], this.cfg.spike, rng);
    this.optimizer = new Adam(this.net.weights, { lr: this.cfg.lr });
  }

  sample(pools: DigitPools, rng: Rng, missing?: number): XorExample {
    const a = rng.int(2), b = rng.int(2);
    const bits: [number, number, number] = [a, b, a ^ b];
    const pick = (d: number) => rng.int((d ? pools.ones : pools.zeros).length / pools.size);
    const m = missing ?? (this.cfg.infer === 'any' ? rng.int(3) : ['A', 'B', 'C'].indexOf(this.cfg.infer));
    return { bits, missing: m, images: [pick(a), pick(b), pick(a ^ b)] };
  }

  /** The network's input: the images of the two known slots, zeros for the blanked one. */
  encode(pools: DigitPools, ex: readonly XorExample[]): Float32Array {
    const s = pools.size;
    const x = new Float32Array(ex.length * 3 * s);
    ex.forEach((e, i) => {
      for (let k = 0; k < 3; k++) {
        if (k === e.missing) continue;
        const pool = e.bits[k] ? pools.ones : pools.zeros;
        x.set(pool.subarray(e.images[k] * s, (e.images[k] + 1) * s), (i * 3 + k) * s);
      }
    });
    return x;
  }

  /**
   * The 2-way softmax cross-entropy of one example as an output error (docs/methods-snn.md §6):
   * S·(softmax − onehot) on the blanked slot's two output units, 0 on the others. Both execution paths call it.
   */
  errorFunction(e: XorExample): OutputErrorFn {
    const S = this.net.config.errorScale, o = 2 * e.missing, target = e.bits[e.missing];
    return (logits, out) => {
      const p1 = pairProbability(logits[o], logits[o + 1]);
      out[o] = S * ((1 - p1) - (target ? 0 : 1));
      out[o + 1] = S * (p1 - target);
    };
  }

  /** Softmax cross-entropy over the missing slot's two output units; returns the mean loss. */
  step(pools: DigitPools, ex: readonly XorExample[]): number {
    const n = ex.length, net = this.net;
    const fwd = fastForward(net, this.encode(pools, ex), n);
    const E = outputErrorsFrom(net, fwd.logits, ex.map((e) => this.errorFunction(e)), n);
    let loss = 0;
    ex.forEach((e, i) => {
      const o = i * 6 + 2 * e.missing;
      const p1 = pairProbability(fwd.logits[o], fwd.logits[o + 1]);
      loss += -Math.log(Math.max(1e-12, e.bits[e.missing] ? p1 : 1 - p1));
    });
    optimizeFromCounts(net, this.optimizer, fastBackwardFrom(net, fwd, E).rawGradients, n);
    return loss / n;
  }

  /** One minibatch trained event-driven: the 2-way cross-entropy injected as error currents into the simulator. */
  stepEventDriven(pools: DigitPools, ex: readonly XorExample[], synapses: readonly Synapses[]): BatchResult {
    return eventDrivenStep(this.net, synapses, this.optimizer, this.encode(pools, ex), ex.map((e) => this.errorFunction(e)), ex.length, { inputTicks: 8 });
  }

  /** The inferred digit (0 or 1) of each example's blanked slot from output integrations (N × 6). */
  decode(logits: ArrayLike<number>, ex: readonly XorExample[]): Int32Array {
    return Int32Array.from(ex, (e, i) => { const o = i * 6 + 2 * e.missing; return logits[o + 1] > logits[o] ? 1 : 0; });
  }

  /** Accuracy of the inferred digit of the missing slot on `count` sampled examples. */
  evaluate(pools: DigitPools, count: number, rng: Rng, missing?: number): number {
    let correct = 0;
    for (let o = 0; o < count; o += 500) {
      const ex = Array.from({ length: Math.min(500, count - o) }, () => this.sample(pools, rng, missing));
      const got = this.decode(fastForward(this.net, this.encode(pools, ex), ex.length).logits, ex);
      ex.forEach((e, i) => { if (got[i] === e.bits[e.missing]) correct++; });
    }
    return correct / count;
  }
}

/** p(digit 1) of a 2-way softmax over the logits (a0, a1), computed stably. */
function pairProbability(a0: number, a1: number): number {
  const m = Math.max(a0, a1);
  return Math.exp(a1 - m) / (Math.exp(a0 - m) + Math.exp(a1 - m));
}
