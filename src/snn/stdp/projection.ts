// Sparse synaptic projections between spiking populations, fixed or plastic under one of the two STDP
// rules of Diehl & Cook (2015): the rule their paper states, and the triplet rule of their published
// simulation code (Pfister & Gerstner's triplet rule with nearest-spike traces):
//
//   presynaptic target (paper):  post spike of j, synapse i→j:  w ← w + η · (x_pre(i) − x_tar) · (w_max − w)^μ
//                                (the paper's trace adds 1 per spike; here it is set to 1, as in the code's rule)
//   triplet (code):              pre spike of i:   w ← max(0, w − ν_pre · x_post1(j))
//                                post spike of j:  w ← min(w_max, w + ν_post · x_pre(i) · x_post2(j, before this spike))
//
// A spike through a synapse adds its weight to the target conductance in both. Every trace jumps to 1
// at its neuron's spike and decays exponentially, so a trace is a function of the neuron's last spike
// step alone; it is read from a decay table instead of being decayed every step.
import type { Rng } from '../../engine/random.js';
import type { LifState } from './conductanceLif.js';
import type { SpikeSource } from './poissonSource.js';

export interface TripletStdp {
  readonly kind: 'triplet';
  /** Depression at a presynaptic spike and potentiation at a postsynaptic spike. */
  nuPre: number;
  nuPost: number;
  /** Trace time constants (ms). */
  tauPre: number;
  tauPost1: number;
  tauPost2: number;
  wMax: number;
}

export interface PresynapticTargetStdp {
  readonly kind: 'presynaptic-target';
  /** Learning rate η, target presynaptic trace x_tar, weight-dependence exponent μ. */
  eta: number;
  xTar: number;
  mu: number;
  tauPre: number;
  wMax: number;
}

export type StdpRule = TripletStdp | PresynapticTargetStdp;

/** The triplet rule's values in Diehl & Cook (2015)'s published code. */
export const DC_TRIPLET_STDP: TripletStdp = { kind: 'triplet', nuPre: 1e-4, nuPost: 1e-2, tauPre: 20, tauPost1: 20, tauPost2: 40, wMax: 1 };

/** The form of the rule in Diehl & Cook (2015)'s paper, with our values (theirs are stated for MNIST input). */
export const DC_PRESYNAPTIC_TARGET_STDP: PresynapticTargetStdp = { kind: 'presynaptic-target', eta: 0.01, xTar: 0.4, mu: 0.5, tauPre: 20, wMax: 1 };

/** Scales a rule's step sizes and weight bound by f (the same rule for weights f times larger). */
export function scaleStdp(rule: StdpRule, f: number): StdpRule {
  if (rule.kind === 'triplet') return { ...rule, nuPre: rule.nuPre * f, nuPost: rule.nuPost * f, wMax: rule.wMax * f };
  // (w_max − w)^μ scales by f^μ: η absorbs the rest so that Δw scales by f.
  return { ...rule, eta: rule.eta * f ** (1 - rule.mu), wMax: rule.wMax * f };
}

export interface ProjectionSpec {
  /** Each postsynaptic neuron draws this many distinct presynaptic partners; 'one-to-one' pairs i with i. */
  fanIn: number | 'one-to-one';
  /** Initial weight: a constant or a draw per synapse. */
  weight: number | ((rng: Rng) => number);
  /** Which conductance the synapses drive. */
  target: 'exc' | 'inh';
  /** Within one population: no synapse from a neuron onto itself. */
  noSelf?: boolean;
  stdp?: StdpRule;
}

function decayTable(tau: number, dt: number): Float64Array {
  const steps = Math.ceil((tau / dt) * Math.log(1e9)); // beyond this the trace is below 1e-9: 0
  const t = new Float64Array(steps);
  for (let k = 0; k < steps; k++) t[k] = Math.exp((-k * dt) / tau);
  return t;
}

function trace(table: Float64Array, last: number, step: number): number {
  if (last < 0) return 0;
  const k = step - last;
  return k < table.length ? table[k] : 0;
}

export class Projection {
  /**
   * Synapses are numbered grouped by presynaptic neuron — pre i owns synapses preStart[i] ..
   * preStart[i+1), in ascending postsynaptic order — because delivery, the hot loop, walks a spiking
   * neuron's fan-out: its weights and targets are then contiguous in memory. The rule's per-synapse
   * work at a postsynaptic spike goes through the postsynaptic index: post j receives synapses
   * synOfPost[postStart[j] .. postStart[j+1]), in ascending presynaptic order.
   */
  readonly preStart: Int32Array;
  readonly preOf: Int32Array;
  readonly postOf: Int32Array;
  readonly weight: Float64Array;
  readonly postStart: Int32Array;
  readonly synOfPost: Int32Array;
  /** Plasticity on or off (off at inference). */
  learning = true;
  /**
   * Presynaptic neurons that have spiked since the last resetTraces(): the triplet rule changes only
   * their synapses, so when they are few a postsynaptic spike visits them alone instead of its whole fan-in.
   */
  private readonly recent: Int32Array;
  private readonly isRecent: Uint8Array;
  private recentCount = 0;
  private readonly tPre?: Float64Array;
  /** (w_max − w)^μ of the presynaptic-target rule; a general power costs ~100 ns, so μ = ½, 1, 0 take exact shortcuts. */
  private readonly weightDependence?: (room: number) => number;
  private readonly tPost1?: Float64Array;
  private readonly tPost2?: Float64Array;

  constructor(readonly pre: SpikeSource, readonly post: LifState, readonly spec: ProjectionSpec, rng: Rng) {
    const nPre = pre.size, nPost = post.size;
    let k: number;
    if (spec.fanIn === 'one-to-one') {
      if (nPre !== nPost) throw new RangeError(`Projection: one-to-one needs equal sizes, got ${nPre} → ${nPost}`);
      k = 1;
    } else {
      k = spec.fanIn;
      const available = spec.noSelf ? nPre - 1 : nPre;
      if (!Number.isInteger(k) || k < 1 || k > available) throw new RangeError(`Projection: fanIn must be an integer in [1, ${available}], got ${k}`);
    }
    const nSyn = nPost * k;
    // Partners and weights are drawn post by post (k sorted partners each), then renumbered pre-major.
    const drawnPre = new Int32Array(nSyn), drawnWeight = new Float64Array(nSyn);
    const pool = new Int32Array(nPre);
    for (let j = 0; j < nPost; j++) {
      const base = j * k;
      if (spec.fanIn === 'one-to-one') drawnPre[base] = j;
      else {
        // Partial Fisher–Yates over the candidates: k distinct partners per postsynaptic neuron.
        for (let i = 0; i < nPre; i++) pool[i] = i;
        let size = nPre;
        if (spec.noSelf && j < nPre) { pool[j] = pool[size - 1]; size--; }
        for (let c = 0; c < k; c++) {
          const r = c + rng.int(size - c);
          const t = pool[c]; pool[c] = pool[r]; pool[r] = t;
        }
        drawnPre.set(pool.subarray(0, k).sort(), base);
      }
      for (let c = 0; c < k; c++) drawnWeight[base + c] = typeof spec.weight === 'number' ? spec.weight : spec.weight(rng);
    }
    this.preStart = new Int32Array(nPre + 1);
    for (let d = 0; d < nSyn; d++) this.preStart[drawnPre[d] + 1]++;
    for (let i = 0; i < nPre; i++) this.preStart[i + 1] += this.preStart[i];
    this.postStart = new Int32Array(nPost + 1);
    for (let j = 0; j < nPost; j++) this.postStart[j + 1] = (j + 1) * k;
    this.preOf = new Int32Array(nSyn);
    this.postOf = new Int32Array(nSyn);
    this.weight = new Float64Array(nSyn);
    this.synOfPost = new Int32Array(nSyn);
    const fill = this.preStart.slice(0, nPre);
    // Drawn synapses come in ascending post order, so each pre's synapses end up sorted by post.
    for (let d = 0; d < nSyn; d++) {
      const i = drawnPre[d], s = fill[i]++;
      this.preOf[s] = i;
      this.postOf[s] = (d / k) | 0;
      this.weight[s] = drawnWeight[d];
      this.synOfPost[d] = s;
    }
    this.recent = new Int32Array(nPre);
    this.isRecent = new Uint8Array(nPre);
    const rule = spec.stdp;
    if (rule) {
      const taus = rule.kind === 'triplet' ? [rule.tauPre, rule.tauPost1, rule.tauPost2] : [rule.tauPre];
      if (!taus.every((t) => t > 0) || !(rule.wMax > 0)) throw new RangeError(`Projection: STDP time constants and wMax must be > 0, got ${JSON.stringify(rule)}`);
      this.tPre = decayTable(rule.tauPre, post.dt);
      if (rule.kind === 'triplet') {
        this.tPost1 = decayTable(rule.tauPost1, post.dt);
        this.tPost2 = decayTable(rule.tauPost2, post.dt);
      } else {
        const mu = rule.mu;
        this.weightDependence = mu === 0.5 ? Math.sqrt : mu === 1 ? (r) => r : mu === 0 ? () => 1 : (r) => r ** mu;
      }
    }
  }

  get synapseCount(): number { return this.weight.length; }

  /** Delivers the presynaptic population's spikes of the previous step at `step` (one step of synaptic delay). */
  deliverPre(step: number): void {
    this.deliver(this.pre.spikes, this.pre.spikeCount, step);
  }

  /**
   * Delivers presynaptic spikes (indices spikes[0 .. count)) arriving at `step`, with the triplet
   * rule's depression read from the postsynaptic trace at arrival.
   */
  deliver(spikes: Int32Array, count: number, step: number): void {
    const g = this.spec.target === 'exc' ? this.post.ge : this.post.gi;
    const { preStart, postOf, weight } = this;
    const rule = this.spec.stdp;
    const nuPre = rule?.kind === 'triplet' ? rule.nuPre : 0;
    const last = this.post.lastSpike, t1 = this.tPost1;
    if (this.learning && rule?.kind === 'triplet') {
      for (let n = 0; n < count; n++) {
        const i = spikes[n];
        for (let s = preStart[i], e = preStart[i + 1]; s < e; s++) {
          const j = postOf[s];
          g[j] += weight[s];
          const w = weight[s] - nuPre * trace(t1!, last[j], step);
          weight[s] = w > 0 ? w : 0;
        }
      }
      return;
    }
    for (let n = 0; n < count; n++) {
      const i = spikes[n];
      for (let s = preStart[i], e = preStart[i + 1]; s < e; s++) g[postOf[s]] += weight[s];
    }
  }

  /** Forgets the spike history behind the traces (a new example; the neurons' lastSpike are reset with it). */
  resetTraces(): void {
    for (let n = 0; n < this.recentCount; n++) this.isRecent[this.recent[n]] = 0;
    this.recentCount = 0;
  }

  /** The synapse from pre i onto post j (binary search in i's targets, sorted by post), or −1. */
  private synapse(i: number, j: number): number {
    let lo = this.preStart[i], hi = this.preStart[i + 1] - 1;
    const postOf = this.postOf;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1, p = postOf[mid];
      if (p === j) return mid;
      if (p < j) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
  }

  /** The weights in post-major order (post j's synapses from ascending pre): the snapshot layout. */
  weightsByPost(): Float64Array {
    const out = new Float64Array(this.weight.length);
    for (let d = 0; d < out.length; d++) out[d] = this.weight[this.synOfPost[d]];
    return out;
  }

  /** Sets the weights from post-major order (weightsByPost's layout). */
  setWeightsByPost(w: Float64Array): void {
    if (w.length !== this.weight.length) throw new RangeError(`Projection: expected ${this.weight.length} weights, got ${w.length}`);
    for (let d = 0; d < w.length; d++) this.weight[this.synOfPost[d]] = w[d];
  }

  /**
   * The postsynaptic part of the rule for the neurons of `post` that spiked at `step` (post.spikes).
   * Call it every step (also with learning off): it records which presynaptic neurons have fired.
   */
  potentiate(step: number): void {
    const rule = this.spec.stdp;
    if (!rule) return;
    const { postStart, synOfPost, preOf, weight, recent, isRecent } = this;
    const pre = this.pre, preLast = pre.lastSpike, tPre = this.tPre!;
    if (rule.kind === 'triplet') {
      for (let n = 0; n < pre.spikeCount; n++) {
        const i = pre.spikes[n];
        if (!isRecent[i]) { isRecent[i] = 1; recent[this.recentCount++] = i; }
      }
    }
    if (!this.learning) return;
    for (let n = 0; n < this.post.spikeCount; n++) {
      const j = this.post.spikes[n];
      if (rule.kind === 'triplet') {
        const post2 = trace(this.tPost2!, this.post.prevSpike[j], step);
        if (post2 === 0) continue;
        const a = rule.nuPost * post2, wMax = rule.wMax;
        // Only synapses whose presynaptic trace is non-zero change. When few presynaptic neurons have
        // fired, find their synapses by binary search in their fan-outs (≈ 12 probes each) instead of
        // scanning the whole fan-in; both ways change exactly the same synapses.
        const fan = postStart[j + 1] - postStart[j];
        if (this.recentCount * 12 < fan) {
          for (let r = 0; r < this.recentCount; r++) {
            const i = recent[r], x = trace(tPre, preLast[i], step);
            if (x === 0) continue;
            const s = this.synapse(i, j);
            if (s < 0) continue;
            const w = weight[s] + a * x;
            weight[s] = w < wMax ? w : wMax;
          }
        } else {
          for (let d = postStart[j], e = postStart[j + 1]; d < e; d++) {
            const s = synOfPost[d], x = trace(tPre, preLast[preOf[s]], step);
            if (x === 0) continue;
            const w = weight[s] + a * x;
            weight[s] = w < wMax ? w : wMax;
          }
        }
      } else {
        const { eta, xTar, wMax } = rule;
        const dep = this.weightDependence!;
        for (let d = postStart[j], e = postStart[j + 1]; d < e; d++) {
          const s = synOfPost[d], x = trace(tPre, preLast[preOf[s]], step);
          const room = wMax - weight[s];
          const w = weight[s] + eta * (x - xTar) * (room > 0 ? dep(room) : 0);
          weight[s] = w < 0 ? 0 : w < wMax ? w : wMax;
        }
      }
    }
  }

  /**
   * Scales each postsynaptic neuron's incoming weights to sum to `target` (Diehl & Cook's
   * normalisation). Like theirs it does not clip: a weight may end above w_max until its next update.
   */
  normalize(target: number): void {
    const { postStart, synOfPost, weight } = this;
    for (let j = 0; j < this.post.size; j++) {
      let sum = 0;
      for (let d = postStart[j]; d < postStart[j + 1]; d++) sum += weight[synOfPost[d]];
      if (sum <= 0) continue;
      const f = target / sum;
      for (let d = postStart[j]; d < postStart[j + 1]; d++) weight[synOfPost[d]] *= f;
    }
  }
}
