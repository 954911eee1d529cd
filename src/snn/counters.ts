// Activity and operation counters (docs/methods-snn.md §10): spikes per layer forward and backward,
// synaptic events, update events and sparsity, next to the multiply-accumulates of the equivalent ANN.
// The event-driven simulator counts every event it performs; the fast path derives the same
// quantities from net counts (correction spikes are invisible to it, so its numbers are the minimum
// an event-driven run needs).
import { getKernels } from '../engine/kernels/index.js';
import { layerFans, type Fans } from './layers.js';
import type { FastBackward, FastForward } from './fastPath.js';
import type { SpikeGradNetwork } from './network.js';

export interface LayerCounters {
  readonly name: string;
  /** Neurons (or pool units) per example. */
  readonly neurons: number;
  /** Forward spike events emitted (|s| summed; includes correction spikes). */
  spikes: number;
  negativeSpikes: number;
  /** Forward synaptic events caused: Σ |spikes of i| × fan-out(i). */
  synapticEvents: number;
  /** Neuron-examples with a non-zero final count. */
  activeNeurons: number;
  /** Error spike events emitted. */
  errorSpikes: number;
  /** Backward synaptic events caused (errors sent to the layer below): Σ |error spikes of i| × fan-in(i). */
  errorSynapticEvents: number;
  /** Weight accumulations: one per input synapse per error spike. */
  updateEvents: number;
  /** Neuron-examples with a non-zero final error count. */
  errorNeurons: number;
}

export interface SpikeCounters {
  examples: number;
  /** Layer-1 input events: analog current injections, or input spikes × fan-out. */
  inputEvents: number;
  readonly layers: LayerCounters[];
  ticksForward: number;
  ticksBackward: number;
  maxTicksForward: number;
  maxTicksBackward: number;
}

export function layerName(net: SpikeGradNetwork, i: number): string {
  const l = net.layers[i];
  const s = l.spec;
  if (s.kind === 'conv') return `conv${i + 1} ${s.channels}C${s.kernel}`;
  if (s.kind === 'pool') return `pool${i + 1} P${s.size}`;
  return `${l.isOutput ? 'output' : 'dense'}${i + 1} ${s.units}`;
}

export function emptyCounters(net: SpikeGradNetwork): SpikeCounters {
  return {
    examples: 0, inputEvents: 0, ticksForward: 0, ticksBackward: 0, maxTicksForward: 0, maxTicksBackward: 0,
    layers: net.layers.map((l, i) => ({
      name: layerName(net, i), neurons: l.size, spikes: 0, negativeSpikes: 0, synapticEvents: 0, activeNeurons: 0,
      errorSpikes: 0, errorSynapticEvents: 0, updateEvents: 0, errorNeurons: 0,
    })),
  };
}

export function addCounters(into: SpikeCounters, from: SpikeCounters): SpikeCounters {
  into.examples += from.examples;
  into.inputEvents += from.inputEvents;
  into.ticksForward += from.ticksForward;
  into.ticksBackward += from.ticksBackward;
  into.maxTicksForward = Math.max(into.maxTicksForward, from.maxTicksForward);
  into.maxTicksBackward = Math.max(into.maxTicksBackward, from.maxTicksBackward);
  from.layers.forEach((l, i) => {
    const t = into.layers[i];
    for (const k of ['spikes', 'negativeSpikes', 'synapticEvents', 'activeNeurons', 'errorSpikes', 'errorSynapticEvents', 'updateEvents', 'errorNeurons'] as const) t[k] += l[k];
  });
  return into;
}

/** Fan-in of each layer's neurons and fan-out of each layer's neurons (into the next layer). */
export interface NetworkFans { readonly fanIn: readonly Int32Array[]; readonly fanOut: readonly (Int32Array | null)[]; readonly inputFanOut: Int32Array }

export function networkFans(net: SpikeGradNetwork): NetworkFans {
  const fans: Fans[] = net.layers.map((l) => layerFans(l));
  return {
    fanIn: fans.map((f) => f.fanIn),
    fanOut: net.layers.map((_, i) => (i + 1 < fans.length ? fans[i + 1].fanOutOfInput : null)),
    inputFanOut: fans[0].fanOutOfInput,
  };
}

/** Multiply-accumulates of one forward pass of the equivalent ANN (backward costs about twice as much). */
export function annForwardMacs(net: SpikeGradNetwork): number {
  let macs = 0;
  for (const l of net.layers) {
    if (l.conv) macs += l.conv.OC * l.conv.C * l.conv.KH * l.conv.KW * l.conv.OH * l.conv.OW;
    else if (!l.pool) macs += (l.weightShape as readonly number[])[0] * (l.weightShape as readonly number[])[1];
  }
  return macs;
}

/**
 * Counters implied by a fast-path step: every net count taken as that many spikes of one sign.
 * `inputTicks` is T_in (analog input injects a current on each of those ticks).
 */
export function fastPathCounters(net: SpikeGradNetwork, fans: NetworkFans, fwd: FastForward, bwd: FastBackward | null, inputTicks: number): SpikeCounters {
  const c = emptyCounters(net);
  const n = fwd.n;
  c.examples = n;
  // The input layer's events in JavaScript (one batch of images); the layers' activity in the countStats kernel.
  const inSize = net.inputSize, rate = net.config.input === 'rate', input = fwd.input, fanOut = fans.inputFanOut;
  let inputEvents = 0;
  for (let b = 0; b < n; b++) {
    const o = b * inSize;
    for (let j = 0; j < inSize; j++) {
      const v = input[o + j];
      if (v !== 0) inputEvents += (rate ? Math.abs(v) : inputTicks) * fanOut[j];
    }
  }
  c.inputEvents += inputEvents;
  const k = getKernels();
  net.layers.forEach((layer, li) => {
    const t = c.layers[li];
    if (!layer.isOutput) {
      // Every count taken as that many spikes, each delivered to the neuron's fan-out.
      const f = k.countStats(fwd.counts[li], layer.size, fans.fanOut[li]);
      t.spikes += f.sum; t.activeNeurons += f.nonzero; t.synapticEvents += f.weighted;
    }
    const E = bwd?.errors[li];
    if (!E) return;
    // Every error spike updates the neuron's fan-in weights, and (above layer 1) travels back through them.
    const e = k.countStats(E, layer.size, fans.fanIn[li]);
    t.errorSpikes += e.sum; t.errorNeurons += e.nonzero; t.updateEvents += e.weighted;
    if (li > 0) t.errorSynapticEvents += e.weighted;
  });
  return c;
}

/** Per-epoch summary (docs/methods-snn.md §10): events per ANN MAC, mean spikes per neuron, error sparsity. */
export function summariseCounters(net: SpikeGradNetwork, c: SpikeCounters) {
  const macs = annForwardMacs(net) * c.examples;
  const fwdEvents = c.inputEvents + c.layers.reduce((a, l) => a + l.synapticEvents, 0);
  const bwdEvents = c.layers.reduce((a, l) => a + l.errorSynapticEvents, 0);
  const updEvents = c.layers.reduce((a, l) => a + l.updateEvents, 0);
  const per = (v: number) => (c.examples ? v / c.examples : 0);
  return {
    examples: c.examples,
    forwardEventsPerExample: per(fwdEvents),
    backwardEventsPerExample: per(bwdEvents),
    updateEventsPerExample: per(updEvents),
    annForwardMacsPerExample: annForwardMacs(net),
    forwardEventsPerMac: macs ? fwdEvents / macs : 0,
    backwardEventsPerBackwardMac: macs ? (bwdEvents + updEvents) / (2 * macs) : 0,
    meanTicksForward: per(c.ticksForward),
    meanTicksBackward: per(c.ticksBackward),
    layers: c.layers.map((l) => ({
      name: l.name,
      neurons: l.neurons,
      spikesPerNeuron: per(l.spikes) / l.neurons,
      activeFraction: per(l.activeNeurons) / l.neurons,
      errorSpikesPerNeuron: per(l.errorSpikes) / l.neurons,
      errorFraction: per(l.errorNeurons) / l.neurons,
    })),
  };
}
