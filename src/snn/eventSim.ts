// Event-driven simulation of one SpikeGrad training step (docs/methods-snn.md §8.2): the reference
// semantics, and the model of what a chip would do. Forward: input currents (or input spikes) tick
// into layer 1; IF neurons integrate, compare, emit signed spikes, and every spike walks its fan-out
// synapses; max-pool units compare their inputs' counts with their own. The non-spiking output layer
// integrates. Backward: the output error current S·∂L/∂a is quantised into ternary error spikes that
// walk back through the very same synapses, gated by each neuron's forward activity; every error spike
// accumulates z·c into the weights of its input synapses. Only additions and comparisons act on the
// state; each phase runs to quiescence. Weights stay frozen during the step.
//
// Options to exercise order invariance: per-synapse random delays, a random processing order of
// layers and neurons each tick, and burst emission. Exactness: state is float64; with dyadic weights
// and inputs every partial sum is exact, and the counts equal the fast path's bit for bit.
import type { Rng } from '../engine/random.js';
import { addCounters, emptyCounters, layerName, type SpikeCounters } from './counters.js';
import { errorSpike, forwardSpike, type ErrorParams, type ForwardParams } from './ifNeuron.js';
import { buildSynapses, type Synapses } from './layers.js';
import type { SpikeGradNetwork } from './network.js';
import { labelErrorCurrent, type BackwardTarget } from './outputError.js';

export interface SimOptions {
  /** T_in: ticks during which the input drives layer 1 (Scaling = G / T_in). Default 8. */
  readonly inputTicks?: number;
  /** Guard against non-termination; default T_in + 10·(expected maximal count), at least 1000. */
  readonly maxTicks?: number;
  /** Emit every spike a neuron has ready in one tick. */
  readonly burst?: boolean;
  /** Random per-synapse delays of 0..maxDelay ticks (needs rng). */
  readonly maxDelay?: number;
  /** Random layer and neuron processing order (needs rng). */
  readonly shuffle?: boolean;
  readonly rng?: Rng;
}

export class SimulationError extends Error {
  override name = 'SimulationError';
}

/** Synapse lists of every layer; build once per network topology and reuse across steps. */
export function buildNetworkSynapses(net: SpikeGradNetwork): Synapses[] {
  return net.layers.map((l) => buildSynapses(l));
}

export interface ExampleTrace {
  /** Layer-1 presynaptic trace X = Σ_t Scaling·x (analog) or the input spike counts (rate). */
  readonly input: Float64Array;
  /** Final forward counts per layer (output layer: empty). */
  readonly counts: readonly Int32Array[];
  /** Forward negative (correction) spikes per neuron per layer. */
  readonly negatives: readonly Int32Array[];
  readonly gates: readonly (Uint8Array | null)[];
  /** Per pool layer: index (in the layer below) of each unit's winning input. */
  readonly argmax: readonly (Int32Array | null)[];
  readonly logits: Float64Array;
  /** Final error counts per layer (null for pool layers). */
  readonly errors: readonly (Int32Array | null)[];
  readonly ticksForward: number;
  readonly ticksBackward: number;
}

interface Inbox {
  /** Ring of future deliveries: slot (t + delay) mod size. */
  readonly ring: Float64Array[];
  readonly slotCount: Int32Array;
  pending: number;
}

function makeInbox(slots: number, size: number): Inbox {
  return { ring: Array.from({ length: size }, () => new Float64Array(slots)), slotCount: new Int32Array(size), pending: 0 };
}

/**
 * Delivers this tick's slot into `into`. Every entry that changes raises its neuron's flag in `wake`
 * (through `unitOf` when entries are pool synapses): only a woken neuron, or one that spiked at its
 * last check, can spike now, so the tick loops skip the rest (the same spikes, in the same order).
 */
function absorb(box: Inbox, t: number, into: Float64Array, wake: Uint8Array, unitOf?: Int32Array): void {
  const s = t % box.ring.length;
  if (box.slotCount[s] === 0) return;
  const r = box.ring[s];
  for (let i = 0; i < r.length; i++) {
    if (r[i] === 0) continue;
    into[i] += r[i]; r[i] = 0;
    wake[unitOf ? unitOf[i] : i] = 1;
  }
  box.pending -= box.slotCount[s];
  box.slotCount[s] = 0;
}

const poolUnitsCache = new WeakMap<Synapses, Int32Array>();

/** Pool synapse index → the pool unit it feeds; built once per synapse set (it depends on topology only). */
function unitsOfSynapses(syn: Synapses): Int32Array {
  let u = poolUnitsCache.get(syn);
  if (!u) {
    u = new Int32Array(syn.inPre.length);
    for (let p = 0; p < syn.nPost; p++) u.fill(p, syn.inStart[p], syn.inStart[p + 1]);
    poolUnitsCache.set(syn, u);
  }
  return u;
}

function order(n: number, shuffle: boolean, rng: Rng | undefined): Int32Array {
  if (shuffle) return (rng as Rng).permutation(n);
  const o = new Int32Array(n);
  for (let i = 0; i < n; i++) o[i] = i;
  return o;
}

function delaysFor(syn: Synapses, maxDelay: number, rng: Rng | undefined): Uint8Array | null {
  if (maxDelay === 0) return null;
  const d = new Uint8Array(syn.outPost.length);
  for (let i = 0; i < d.length; i++) d[i] = (rng as Rng).int(maxDelay + 1);
  return d;
}

/**
 * Simulates one example's forward and backward phases. Adds Σ z·c of every error spike into
 * `rawGradients` (one float64 array per weight tensor) and the events into `counters`. The backward
 * phase starts from `target`: a class label (the built-in loss), any per-output error function
 * (docs/methods-snn.md §6), or null to run the forward phase only (inference).
 */
export function simulateExample(net: SpikeGradNetwork, synapses: readonly Synapses[], x: ArrayLike<number>, target: BackwardTarget,
  rawGradients: readonly Float64Array[], counters: SpikeCounters, opts: SimOptions = {}): ExampleTrace {
  const cfg = net.config;
  const Tin = opts.inputTicks ?? 8;
  const maxDelay = opts.maxDelay ?? 0;
  const shuffle = opts.shuffle ?? false;
  const rng = opts.rng;
  if (!Number.isInteger(Tin) || Tin < 1) throw new RangeError(`simulateExample: inputTicks must be a positive integer, got ${Tin}`);
  if (!Number.isInteger(maxDelay) || maxDelay < 0 || maxDelay > 255) throw new RangeError(`simulateExample: maxDelay must be an integer in [0, 255], got ${maxDelay}`);
  if ((shuffle || maxDelay > 0) && !rng) throw new RangeError('simulateExample: shuffle and maxDelay need an rng');
  if (x.length !== net.inputSize) throw new RangeError(`simulateExample: input has ${x.length} values, expected ${net.inputSize}`);
  const L = net.layers.length;
  const scaling = cfg.gain / Tin;
  const ff: ForwardParams = { theta: cfg.thetaFf, negativeRule: cfg.negativeRule, burst: opts.burst ?? false };
  const inputParams: ForwardParams = { theta: 1, negativeRule: 'corrected', burst: opts.burst ?? false };
  const bp: ErrorParams = { theta: cfg.thetaBp, quantiser: cfg.quantiser, burst: opts.burst ?? false };
  const ringSize = maxDelay + 1;
  const weights = net.weights.map((w) => w.f32);
  const fwdDelays = synapses.map((s) => delaysFor(s, maxDelay, rng));
  const bwdDelays = synapses.map((s) => delaysFor(s, maxDelay, rng));

  // ---- forward state ----
  const V = net.layers.map((l) => new Float64Array(l.pool ? 0 : l.size));
  const c = net.layers.map((l) => new Int32Array(l.isOutput ? 0 : l.size));
  const neg = net.layers.map((l) => new Int32Array(l.isOutput ? 0 : l.size));
  // Pool units keep, per input synapse, the count received so far (the m_j they compare).
  const recv = net.layers.map((l, i) => new Float64Array(l.pool ? synapses[i].inPre.length : 0));
  const inbox = net.layers.map((l, i) => makeInbox(l.pool ? synapses[i].inPre.length : l.size, ringSize));
  // Per layer, the neurons that may spike this tick (see absorb); all start at rest, where none can.
  const awake = net.layers.map((l) => new Uint8Array(l.size));
  const poolUnits = net.layers.map((l, i) => (l.pool ? unitsOfSynapses(synapses[i]) : undefined));
  const X = new Float64Array(net.inputSize);
  const V0 = new Float64Array(cfg.input === 'rate' ? net.inputSize : 0), c0 = new Int32Array(V0.length);
  const stats = emptyCounters(net);
  stats.examples = 1;

  /** Sends `amount` from presynaptic neuron j into layer li's inbox along every fan-out synapse. */
  const send = (li: number, j: number, amount: number, t: number, delays: (Uint8Array | null)[]): number => {
    const syn = synapses[li], box = inbox[li], d = delays[li];
    const w = net.layers[li].pool ? null : weights[net.layers[li].weightIndex];
    const start = syn.outStart[j], end = syn.outStart[j + 1];
    if (!d) {
      // No delays: every event lands in this tick's slot (the common case, kept to a tight loop).
      const slot = t % ringSize, ring = box.ring[slot], post = syn.outPost;
      if (w) { const wi = syn.outWeight; for (let q = start; q < end; q++) ring[post[q]] += w[wi[q]] * amount; }
      else { const si = syn.outSynapse; for (let q = start; q < end; q++) ring[si[q]] += amount; }
      box.slotCount[slot] += end - start;
    } else {
      for (let q = start; q < end; q++) {
        const slot = (t + d[q]) % ringSize;
        if (w) box.ring[slot][syn.outPost[q]] += w[syn.outWeight[q]] * amount;
        else box.ring[slot][syn.outSynapse[q]] += amount;
        box.slotCount[slot]++;
      }
    }
    box.pending += end - start;
    return end - start;
  };

  const expectedMax = Math.max(1, cfg.gain * 4 / cfg.thetaFf);
  const Tmax = opts.maxTicks ?? Math.max(1000, Tin + 10 * expectedMax * L + 10 * maxDelay * L);
  const neuronOrders = net.layers.map((l) => order(l.size, shuffle, rng));
  const inputOrder = order(net.inputSize, shuffle, rng);
  let ticksForward = 0;
  for (let t = 1; ; t++) {
    if (t > Tmax) throw new SimulationError(`SpikeGrad forward phase did not reach quiescence within maxTicks=${Tmax} ticks; raise SimOptions.maxTicks`);
    let spiked = false;
    if (cfg.input === 'analog') {
      if (t <= Tin) {
        for (let j = 0; j < net.inputSize; j++) {
          const xj = x[j];
          if (xj === 0) continue;
          X[j] += scaling * xj;
          stats.inputEvents += send(0, j, scaling * xj, t, fwdDelays);
        }
      }
    } else {
      for (const j of inputOrder) {
        if (t <= Tin) V0[j] += scaling * x[j];
        const s = forwardSpike(V0[j], c0[j], inputParams);
        if (s === 0) continue;
        V0[j] -= s; c0[j] += s;
        spiked = true;
        stats.inputEvents += Math.abs(s) * send(0, j, s, t, fwdDelays);
      }
    }
    const layerOrder = order(L, shuffle, rng);
    for (const li of layerOrder) {
      const layer = net.layers[li], st = stats.layers[li];
      if (layer.pool) {
        const wake = awake[li];
        absorb(inbox[li], t, recv[li], wake, poolUnits[li]);
        const syn = synapses[li], cnt = c[li];
        for (const p of neuronOrders[li]) {
          if (!wake[p]) continue;
          let m = -Infinity;
          for (let s = syn.inStart[p]; s < syn.inStart[p + 1]; s++) if (recv[li][s] > m) m = recv[li][s];
          const diff = m - cnt[p];
          if (diff === 0) { wake[p] = 0; continue; }
          const s = ff.burst ? diff : Math.sign(diff);
          cnt[p] += s;
          if (s < 0) neg[li][p] -= s;
          spiked = true;
          st.spikes += Math.abs(s);
          if (s < 0) st.negativeSpikes -= s;
          st.synapticEvents += Math.abs(s) * send(li + 1, p, s, t, fwdDelays);
        }
        continue;
      }
      const wake = awake[li];
      absorb(inbox[li], t, V[li], wake);
      if (layer.isOutput) continue;
      const v = V[li], cnt = c[li], ng = neg[li];
      for (const i of neuronOrders[li]) {
        if (!wake[i]) continue;
        const s = forwardSpike(v[i], cnt[i], ff);
        if (s === 0) { wake[i] = 0; continue; }
        v[i] -= ff.theta * s;
        cnt[i] += s;
        if (s < 0) { ng[i] -= s; st.negativeSpikes -= s; }
        spiked = true;
        st.spikes += Math.abs(s);
        st.synapticEvents += Math.abs(s) * send(li + 1, i, s, t, fwdDelays);
      }
    }
    if (t >= Tin && !spiked && inbox.every((b) => b.pending === 0)) { ticksForward = t; break; }
  }
  const input = cfg.input === 'rate' ? Float64Array.from(c0) : X;
  const logits = V[L - 1];
  const gates = net.layers.map((l, li) => {
    if (l.pool || l.isOutput) return null;
    const g = new Uint8Array(l.size), v = V[li], cnt = c[li];
    // The gate is local: I = V + Θ·c at quiescence.
    for (let i = 0; i < l.size; i++) g[i] = (cfg.gate === 'input' ? v[i] + ff.theta * cnt[i] > 0 : cnt[i] > 0) ? 1 : 0;
    return g;
  });
  const argmax = net.layers.map((layer, li) => {
    if (!layer.pool) return null;
    const syn = synapses[li], r = recv[li], am = new Int32Array(layer.size);
    for (let p = 0; p < layer.size; p++) {
      let best = syn.inStart[p];
      for (let s = best + 1; s < syn.inStart[p + 1]; s++) if (r[s] > r[best]) best = s;
      am[p] = syn.inPre[best];
    }
    return am;
  });
  net.layers.forEach((_, li) => { for (let i = 0; i < c[li].length; i++) if (c[li][i] !== 0) stats.layers[li].activeNeurons++; });

  // ---- backward phase ----
  const U = net.layers.map((l) => new Float64Array(l.pool ? 0 : l.size));
  const E = net.layers.map((l) => (l.pool ? null : new Int32Array(l.size)));
  if (target === null) {
    stats.ticksForward = ticksForward; stats.maxTicksForward = ticksForward;
    addCounters(counters, stats);
    return { input, counts: c, negatives: neg, gates, argmax, logits, errors: E, ticksForward, ticksBackward: 0 };
  }
  const uInbox = net.layers.map((l) => makeInbox(l.pool ? 0 : l.size, ringSize));
  // As in the forward phase, only error neurons woken by input (or that spiked at their last check)
  // are checked; the output layer starts awake with its injected current.
  const uAwake = net.layers.map((l, li) => new Uint8Array(l.pool ? 0 : l.size).fill(li === L - 1 ? 1 : 0));
  if (typeof target === 'number') labelErrorCurrent(cfg, logits, target, U[L - 1]);
  else target(Float64Array.from(logits), U[L - 1]);
  const spikingLayers: number[] = [];
  for (let li = L - 1; li >= 0; li--) if (!net.layers[li].pool) spikingLayers.push(li);
  /** The presynaptic count of layer li's input j (layer-1 input trace for li = 0). */
  const presyn = (li: number): ArrayLike<number> => (li === 0 ? input : c[li - 1]);
  // Errors need about |S·e|/Θ_bp ticks per layer to drain; size the guard from the injected current.
  let maxInjected = 0;
  for (const u of U[L - 1]) maxInjected = Math.max(maxInjected, Math.abs(u) / cfg.thetaBp);
  const TmaxBackward = opts.maxTicks ?? Tmax + 10 * L * Math.ceil(maxInjected + 1);
  let ticksBackward = 0;
  for (let t = 1; ; t++) {
    if (t > TmaxBackward) throw new SimulationError(`SpikeGrad backward phase did not reach quiescence within maxTicks=${TmaxBackward} ticks; raise SimOptions.maxTicks`);
    let spiked = false;
    const layerOrder = shuffle ? Array.from((rng as Rng).permutation(spikingLayers.length), (k) => spikingLayers[k]) : spikingLayers;
    for (const li of layerOrder) {
      const layer = net.layers[li], syn = synapses[li], st = stats.layers[li];
      const wake = uAwake[li];
      absorb(uInbox[li], t, U[li], wake);
      const u = U[li], e = E[li] as Int32Array;
      const w = weights[layer.weightIndex], dW = rawGradients[layer.weightIndex];
      const pre = presyn(li);
      // Where errors go: the layer below, or through a pool to the layer below it.
      const below = li - 1, viaPool = below >= 0 && net.layers[below].pool !== undefined;
      const target = viaPool ? below - 1 : below;
      const routes = viaPool ? (argmax[below] as Int32Array) : null;
      const gate = target >= 0 ? (gates[target] as Uint8Array) : null;
      const box = target >= 0 ? uInbox[target] : null, d = bwdDelays[li];
      for (const i of neuronOrders[li]) {
        if (!wake[i]) continue;
        const z = errorSpike(u[i], e[i], bp);
        if (z === 0) { wake[i] = 0; continue; }
        u[i] -= bp.theta * z;
        e[i] += z;
        spiked = true;
        const a = Math.abs(z), s0 = syn.inStart[i], s1 = syn.inStart[i + 1];
        st.errorSpikes += a;
        st.updateEvents += a * (s1 - s0);
        for (let s = s0; s < s1; s++) dW[syn.inWeight[s]] += z * pre[syn.inPre[s]];
        if (!box || !gate) continue;
        st.errorSynapticEvents += a * (s1 - s0);
        for (let s = s0; s < s1; s++) {
          const j = routes ? routes[syn.inPre[s]] : syn.inPre[s];
          if (!gate[j]) continue; // the gate closes the neuron to errors
          const slot = d ? (t + d[s]) % ringSize : t % ringSize;
          box.ring[slot][j] += w[syn.inWeight[s]] * z;
          box.slotCount[slot]++;
          box.pending++;
        }
      }
    }
    if (!spiked && uInbox.every((b) => b.pending === 0)) { ticksBackward = t; break; }
  }
  net.layers.forEach((_, li) => { const e = E[li]; if (e) for (let i = 0; i < e.length; i++) if (e[i] !== 0) stats.layers[li].errorNeurons++; });
  stats.ticksForward = ticksForward; stats.ticksBackward = ticksBackward;
  stats.maxTicksForward = ticksForward; stats.maxTicksBackward = ticksBackward;
  addCounters(counters, stats);
  return { input, counts: c, negatives: neg, gates, argmax, logits, errors: E, ticksForward, ticksBackward };
}

export interface BatchResult {
  readonly traces: ExampleTrace[];
  /** Σ over the batch of z·c per weight, rounded to float32 (the fast path's precision). */
  readonly rawGradients: Float32Array[];
  readonly counters: SpikeCounters;
}

/** Simulates a minibatch with frozen weights; x is N × inputSize; one target per example (labels, error functions, or null for forward only). */
export function simulateBatch(net: SpikeGradNetwork, synapses: readonly Synapses[], x: Float32Array, labels: ArrayLike<number> | readonly BackwardTarget[], n: number, opts: SimOptions = {}): BatchResult {
  if (x.length !== n * net.inputSize) throw new RangeError(`simulateBatch: input has ${x.length} values, expected ${n} × ${net.inputSize}`);
  if (labels.length !== n) throw new RangeError(`simulateBatch: expected ${n} labels or targets, got ${labels.length}`);
  if (synapses.length !== net.layers.length) throw new RangeError(`simulateBatch: synapses were built for ${synapses.length} layers, the network has ${net.layers.length} (${net.layers.map((_, i) => layerName(net, i)).join(', ')})`);
  const raw = net.weights.map((w) => new Float64Array(w.size));
  const counters = emptyCounters(net);
  const traces: ExampleTrace[] = [];
  for (let b = 0; b < n; b++) {
    traces.push(simulateExample(net, synapses, x.subarray(b * net.inputSize, (b + 1) * net.inputSize), labels[b], raw, counters, opts));
  }
  return { traces, rawGradients: raw.map((r) => Float32Array.from(r)), counters };
}
