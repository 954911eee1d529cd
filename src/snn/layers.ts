// Dense, conv and max-pool layers in spiking form: the explicit synapse lists the event-driven
// simulator walks. Every synapse of a layer is enumerated once, grouped by its postsynaptic neuron
// (fan-in: what the forward neuron integrates and the synapses its error spikes update), and the same
// list is indexed by presynaptic neuron (fan-out: where a forward spike goes, and — transposed — where
// an error spike comes from). Forward and backward therefore share one set of synapses, as SpikeGrad
// requires. Neuron index = channel·H·W + y·W + x, the NCHW order the fast path uses.
import type { ResolvedLayer } from './network.js';

export interface Synapses {
  readonly nPre: number;
  readonly nPost: number;
  /** Fan-in CSR: synapses of post neuron p are [inStart[p], inStart[p+1]). */
  readonly inStart: Int32Array;
  readonly inPre: Int32Array;
  /** Weight index of each fan-in synapse (shared for conv), −1 for pooling (unit weight). */
  readonly inWeight: Int32Array;
  /** Fan-out CSR: synapses of pre neuron j are [outStart[j], outStart[j+1]). */
  readonly outStart: Int32Array;
  readonly outPost: Int32Array;
  /** Position of each fan-out synapse in the fan-in list (so both views name the same synapse). */
  readonly outSynapse: Int32Array;
  /**
   * Weight index of each fan-out synapse (inWeight[outSynapse[q]]): a forward spike reads its weights
   * in order instead of through a random jump into the fan-in list, which dominated the simulation.
   */
  readonly outWeight: Int32Array;
}

function enumerate(layer: ResolvedLayer, push: (pre: number, post: number, weight: number) => void): void {
  const [C, H, W] = layer.inShape;
  if (layer.conv) {
    const g = layer.conv;
    for (let oc = 0; oc < g.OC; oc++) for (let oy = 0; oy < g.OH; oy++) for (let ox = 0; ox < g.OW; ox++) {
      const post = (oc * g.OH + oy) * g.OW + ox;
      for (let c = 0; c < C; c++) for (let ky = 0; ky < g.KH; ky++) {
        const iy = oy * g.strideH - g.padH + ky;
        if (iy < 0 || iy >= H) continue;
        for (let kx = 0; kx < g.KW; kx++) {
          const ix = ox * g.strideW - g.padW + kx;
          if (ix < 0 || ix >= W) continue;
          push((c * H + iy) * W + ix, post, ((oc * C + c) * g.KH + ky) * g.KW + kx);
        }
      }
    }
  } else if (layer.pool) {
    // Window order (row, then column) matches the max-pool kernel's "first maximum wins" tie rule.
    const g = layer.pool;
    for (let c = 0; c < C; c++) for (let oy = 0; oy < g.OH; oy++) for (let ox = 0; ox < g.OW; ox++) {
      const post = (c * g.OH + oy) * g.OW + ox;
      for (let ky = 0; ky < g.KH; ky++) for (let kx = 0; kx < g.KW; kx++) {
        push((c * H + oy * g.strideH + ky) * W + ox * g.strideW + kx, post, -1);
      }
    }
  } else {
    const nIn = C * H * W;
    for (let i = 0; i < layer.size; i++) for (let j = 0; j < nIn; j++) push(j, i, i * nIn + j);
  }
}

export function buildSynapses(layer: ResolvedLayer): Synapses {
  const [C, H, W] = layer.inShape;
  const nPre = C * H * W, nPost = layer.size;
  const pre: number[] = [], weight: number[] = [];
  const inStart = new Int32Array(nPost + 1);
  enumerate(layer, (j, p, w) => { pre.push(j); weight.push(w); inStart[p + 1]++; });
  for (let p = 0; p < nPost; p++) inStart[p + 1] += inStart[p];
  const inPre = Int32Array.from(pre), inWeight = Int32Array.from(weight);
  const outStart = new Int32Array(nPre + 1);
  for (let s = 0; s < inPre.length; s++) outStart[inPre[s] + 1]++;
  for (let j = 0; j < nPre; j++) outStart[j + 1] += outStart[j];
  const fill = outStart.slice(0, nPre);
  const outPost = new Int32Array(inPre.length), outSynapse = new Int32Array(inPre.length), outWeight = new Int32Array(inPre.length);
  for (let p = 0; p < nPost; p++) {
    for (let s = inStart[p]; s < inStart[p + 1]; s++) {
      const k = fill[inPre[s]]++;
      outPost[k] = p;
      outSynapse[k] = s;
      outWeight[k] = inWeight[s];
    }
  }
  return { nPre, nPost, inStart, inPre, inWeight, outStart, outPost, outSynapse, outWeight };
}

/** Per-neuron fan-in of this layer's neurons and fan-out of its input neurons (for operation counts). */
export interface Fans { readonly fanIn: Int32Array; readonly fanOutOfInput: Int32Array }

export function layerFans(layer: ResolvedLayer): Fans {
  const [C, H, W] = layer.inShape;
  const fanIn = new Int32Array(layer.size), fanOutOfInput = new Int32Array(C * H * W);
  enumerate(layer, (j, p) => { fanIn[p]++; fanOutOfInput[j]++; });
  return { fanIn, fanOutOfInput };
}
