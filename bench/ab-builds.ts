// `node build/bench/ab-builds.js --old DIR [--rounds 5] [--threads 1,2] [--workloads a,b]`: paired
// A/B of two engine builds in one process. DIR is another checkout's `build/` folder (e.g. from
// `git worktree add ../old <commit> && (cd ../old && npm ci && npm run build)`); the other build is
// this one. For each workload and thread count the builds alternate round by round (the machine's
// drift hits both alike); each round times, per build, 1 warm-up and `reps` training steps and
// inference passes and keeps their median. Prints one JSON line per workload and thread count with
// the median of the per-round ratios new / old (< 1: this build is faster) and every round's ratio.
// Steps run in E.tidy where a build has it (--tidy both); `--old build --tidy new` measures tidy
// against plain steps on this one build. Workload snnCifar is SpikeGrad instead: a training step
// of the CIFAR-10 network of docs/results/spikegrad.md (fast path, counters, Adam) and its evaluation
// (forward pass, counters, accuracy: what a validation pass runs per batch).
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from '../src/cli/args.js';

const { flags } = parseArgs('ab-builds', process.argv.slice(2), {
  old: { kind: 'string', help: 'the other build folder (holding src/ and bench/ compiled)' },
  rounds: { kind: 'number', help: 'rounds per workload and thread count', default: 5 },
  threads: { kind: 'string', help: 'comma-separated thread counts', default: '1,2' },
  workloads: { kind: 'string', help: 'comma-separated: smallCNN,resnet8,resnet18_w32,snnCifar', default: 'smallCNN,resnet8,resnet18_w32' },
  tidy: { kind: 'string', help: "which builds run each step in E.tidy (where they have it): 'both', 'new' (with --old build: tidy against no tidy on one build) or 'none'", default: 'both' },
});
if (!['both', 'new', 'none'].includes(String(flags.tidy))) throw new Error(`ab-builds: --tidy expects both, new or none, got '${String(flags.tidy)}'`);

interface Build {
  /* eslint-disable @typescript-eslint/no-explicit-any -- two builds of the same API, loaded by path */
  E: any; I: any; K: any; M: any; R: any; S: { N: any; T: any; C: any };
  /* eslint-enable @typescript-eslint/no-explicit-any */
}

async function load(dir: string): Promise<Build> {
  const at = (f: string) => import(pathToFileURL(resolve(dir, f)).href);
  return {
    E: await at('src/engine/index.js'), I: await at('src/index.js'), K: await at('src/engine/kernels/index.js'), M: await at('bench/models.js'), R: await at('src/engine/random.js'),
    S: { N: await at('src/snn/network.js'), T: await at('src/snn/train.js'), C: await at('src/snn/counters.js') },
  };
}

if (typeof flags.old !== 'string') throw new Error('ab-builds: --old DIR is required (the build folder of the engine to compare against)');
const here = fileURLToPath(new URL('..', import.meta.url)); // this build's folder
const builds = [await load(String(flags.old)), await load(here)];

// name → [model builder, input shape, classes, timed repetitions per round]
const WORKLOADS: Record<string, [(b: Build, rng: unknown) => unknown, number[], number, number]> = {
  smallCNN: [(b, rng) => b.I.nn.smallCnn(rng), [64, 1, 28, 28], 10, 6],
  resnet8: [(b, rng) => b.I.nn.resnet8(rng), [64, 3, 32, 32], 10, 3],
  resnet18_w32: [(b, rng) => b.M.resnet18(rng, { width: 32, classes: 200, height: 64, stem: 'imagenet' }), [64, 3, 64, 64], 200, 2],
};
const SNN_ARCH = '32C3p1-32C3p1-P2-64C3p1-64C3p1-P2-128C3p1-128C3p1-P2-256-10';
function snnSetup(b: Build): { b: Build; train: () => void; infer: () => void } {
  const rng = new b.R.Rng(1), n = 64;
  const net = b.S.N.SpikeGradNetwork.create([3, 32, 32], b.S.N.parseArchitecture(SNN_ARCH), { gain: 32, errorScale: 256, temperature: 4, outputErrors: 'zero-sum' }, rng.split());
  const trainer = new b.S.T.SpikeGradTrainer(net, { ...b.S.T.DEFAULT_TRAIN, batchSize: n }, 1);
  const x = Float32Array.from({ length: n * net.inputSize }, () => rng.float());
  const y = Int32Array.from({ length: n }, () => rng.int(10));
  const data = { x, labels: y, n };
  return { b, train: () => { trainer.step(x, y, n, b.S.C.emptyCounters(net)); }, infer: () => { b.S.T.evaluate(net, data, n); } };
}
const median = (a: number[]) => a.slice().sort((p, q) => p - q)[a.length >> 1];
const round3 = (v: number) => Math.round(v * 1000) / 1000;

for (const name of String(flags.workloads).split(',')) {
  const w = WORKLOADS[name];
  if (!w && name !== 'snnCifar') throw new Error(`ab-builds: unknown workload '${name}' (known: ${Object.keys(WORKLOADS).join(', ')}, snnCifar)`);
  const [build, shape, classes, reps] = w ?? [null, [], 0, 3];
  const setups = builds.map((b, i) => {
    if (!build) return snnSetup(b);
    const useTidy = typeof b.E.tidy === 'function' && (flags.tidy === 'both' || (flags.tidy === 'new' && i === 1));
    const scoped = (f: () => void) => (useTidy ? () => { b.E.tidy(f); } : f);
    const rng = new b.R.Rng(1);
    const model = build(b, rng) as { train(on: boolean): void; forward(x: unknown): unknown; parameters(): unknown[] };
    const opt = new b.E.Adam(model.parameters(), { lr: 1e-3 });
    const x = b.E.randn(shape, rng);
    const y = Int32Array.from({ length: shape[0] }, () => rng.int(classes));
    return {
      b,
      train: scoped(() => { model.train(true); opt.zeroGrad(); b.E.crossEntropy(model.forward(x), y).backward(); opt.step(); }),
      infer: scoped(() => { model.train(false); b.E.noGrad(() => { model.forward(x); }); }),
    };
  });
  for (const threads of String(flags.threads).split(',').map(Number)) {
    const ratios: Record<'train' | 'infer', number[]> = { train: [], infer: [] };
    for (let r = 0; r < Number(flags.rounds); r++) {
      const t: Record<'train' | 'infer', number>[] = [];
      for (const s of setups) {
        await s.b.K.setThreads(threads);
        const one = { train: 0, infer: 0 };
        for (const mode of ['train', 'infer'] as const) {
          s[mode]();
          const ts: number[] = [];
          for (let i = 0; i < reps; i++) { const t0 = performance.now(); s[mode](); ts.push(performance.now() - t0); }
          one[mode] = median(ts);
        }
        t.push(one);
      }
      for (const mode of ['train', 'infer'] as const) ratios[mode].push(t[1][mode] / t[0][mode]);
    }
    console.log(JSON.stringify({
      name: `ab.${name}`, threads, rounds: Number(flags.rounds), tidy: String(flags.tidy),
      new_over_old_train: round3(median(ratios.train)), new_over_old_infer: round3(median(ratios.infer)),
      rounds_train: ratios.train.map(round3), rounds_infer: ratios.infer.map(round3),
    }));
  }
}
for (const b of builds) await b.K.setThreads(1);
