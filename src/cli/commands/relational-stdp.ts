// `bitspike relational-stdp`: trains the STDP relational network of Diehl & Cook (2016), reimplemented as
// the baseline of the relational results, and measures how well it infers C from A and B (circular
// RMSE of the population-vector readout, the metric of `bitspike relational`). Long runs snapshot to
// <out>/snapshot.json and continue bit for bit with --resume.
import fs from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../engine/random.js';
import { writeFileAtomic } from '../../util/atomicWrite.js';
import { relation, RELATIONS } from '../../relational/relations.js';
import { stdpRelationalAtScale, StdpRelationalNetwork, type StdpInferenceResult, type StdpRelationalSnapshot } from '../../relational/stdpRelational.js';
import { parseArgs, usage, UsageError, type FlagSpecs } from '../args.js';

export const summary = 'baseline: the STDP relational network of Diehl & Cook (2016), reimplemented; infers C from A and B (--task picks the relation)';

const FLAGS: FlagSpecs = {
  task: { kind: 'string', help: `relation (${Object.keys(RELATIONS).join(', ')})`, default: 'add-mod' },
  scale: { kind: 'number', help: 'module size as a fraction of the published 1,600 excitatory + 400 inhibitory neurons', default: 1 },
  examples: { kind: 'number', help: 'training examples (250 ms each)', default: 20000 },
  'eval-count': { kind: 'number', help: 'test triples for the final RMSE', default: 1000 },
  'progress-every': { kind: 'number', help: 'every this many examples: snapshot and a 100-triple progress RMSE', default: 1000 },
  seed: { kind: 'number', help: 'seed', default: 1 },
  out: { kind: 'string', help: 'folder for snapshot.json and results.json (required)' },
  resume: { kind: 'boolean', help: 'continue from <out>/snapshot.json', default: false },
  quiet: { kind: 'boolean', help: 'no progress lines', default: false },
  help: { kind: 'boolean', help: 'show this help', default: false },
};

function positiveInt(name: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new UsageError('relational-stdp', `--${name} must be a positive integer, got ${v}`);
  return v as number;
}

interface Progress { examples: number; rmse: number; silent: number; cSpikes: number; hiddenSpikes: number; trainHiddenSpikes: number; seconds: number }

export async function run(argv: string[]): Promise<number> {
  const { flags } = parseArgs('relational-stdp', argv, FLAGS);
  if (flags.help) { console.log(usage('relational-stdp', summary, FLAGS)); return 0; }
  const task = String(flags.task);
  if (!(task in RELATIONS)) throw new UsageError('relational-stdp', `--task must be one of ${Object.keys(RELATIONS).join(', ')}, got '${task}'`);
  const scale = flags.scale as number;
  if (!(scale > 0 && scale <= 1)) throw new UsageError('relational-stdp', `--scale must be in (0, 1], got ${scale}`);
  const examples = positiveInt('examples', flags.examples), evalCount = positiveInt('eval-count', flags['eval-count']);
  const every = positiveInt('progress-every', flags['progress-every']);
  const seed = flags.seed as number;
  if (!Number.isInteger(seed) || seed < 0) throw new UsageError('relational-stdp', `--seed must be a non-negative integer, got ${seed}`);
  if (!flags.out) throw new UsageError('relational-stdp', '--out is required (snapshots and results go there)');
  const out = String(flags.out);
  const log = (s: string) => { if (!flags.quiet) console.error(s); };
  const snapFile = join(out, 'snapshot.json');
  const rel = relation(task);

  let net: StdpRelationalNetwork;
  let history: Progress[] = [];
  let seconds = 0;
  if (flags.resume) {
    if (!fs.existsSync(snapFile)) throw new UsageError('relational-stdp', `--resume: no snapshot at ${snapFile}`);
    let saved: { snapshot: StdpRelationalSnapshot; history: Progress[]; seconds: number; args: unknown };
    try { saved = JSON.parse(fs.readFileSync(snapFile, 'utf8')); } catch (e) { throw new UsageError('relational-stdp', `${snapFile} is not valid JSON: ${(e as Error).message}`); }
    if (typeof saved !== 'object' || saved === null || !saved.snapshot || !Array.isArray(saved.history)) throw new UsageError('relational-stdp', `${snapFile} is not a relational-stdp snapshot file (expected {args, snapshot, history, seconds})`);
    const args = { task, scale, seed };
    if (JSON.stringify(saved.args) !== JSON.stringify(args)) throw new UsageError('relational-stdp', `${snapFile} was written for ${JSON.stringify(saved.args)}, not ${JSON.stringify(args)}`);
    net = StdpRelationalNetwork.restore(saved.snapshot, rel, snapFile);
    history = saved.history;
    seconds = saved.seconds;
    log(`relational-stdp: resumed after ${net.examplesSeen} examples (${snapFile})`);
  } else {
    if (fs.existsSync(snapFile)) throw new UsageError('relational-stdp', `${snapFile} exists: pass --resume to continue that run, or choose another --out`);
    net = new StdpRelationalNetwork(stdpRelationalAtScale(scale), rel, seed);
  }
  const n = net.neuronCounts;
  log(`relational-stdp: ${rel.formula}, modules of ${net.config.exc} + ${net.config.inh} neurons (scale ${scale}), ${n.total} neurons, ${net.synapseCount} synapses; ${examples} examples`);

  const save = () => writeFileAtomic(snapFile, JSON.stringify({ args: { task, scale, seed }, snapshot: net.snapshot(), history, seconds }));
  let t0 = performance.now(), hsum = 0, hcount = 0;
  while (net.examplesSeen < examples) {
    hsum += net.trainExample().hiddenSpikes;
    hcount++;
    if (net.examplesSeen % every === 0 || net.examplesSeen === examples) {
      seconds += (performance.now() - t0) / 1000;
      // A progress probe on its own stream, with learning frozen: probing never changes the training run.
      const p = net.evaluate(100, new Rng(seed + 7919));
      history.push({ examples: net.examplesSeen, rmse: p.rmse, silent: p.silent, cSpikes: p.cSpikes, hiddenSpikes: p.hiddenSpikes, trainHiddenSpikes: hsum / hcount, seconds: Math.round(seconds) });
      log(`example ${net.examplesSeen}/${examples}: progress RMSE ${p.rmse.toFixed(4)} (100 triples, ${p.silent} silent), H spikes/example ${(hsum / hcount).toFixed(1)} in training, ${Math.round(seconds)} s`);
      hsum = 0; hcount = 0;
      save();
      t0 = performance.now();
    }
  }
  const te = performance.now();
  const final: StdpInferenceResult = net.evaluate(evalCount, new Rng(seed + 1000 + 2));
  const result = {
    task, formula: rel.formula, model: 'Diehl & Cook (2016) STDP relational network, reimplemented (docs/methods-snn.md §17)',
    scale, config: net.config, neurons: n, synapses: net.synapseCount, examples: net.examplesSeen, seed,
    inferC: final, trainingSeconds: Math.round(seconds), evaluationSeconds: Math.round((performance.now() - te) / 100) / 10, history,
  };
  const json = JSON.stringify(result, null, 2);
  console.log(json);
  writeFileAtomic(join(out, 'results.json'), json + '\n');
  return 0;
}
