// The learner's Web Worker: all training, evaluation and (de)serialization run here so the page
// stays responsive. Requests are handled one at a time in arrival order; a long request posts
// progress and polls the shared cancel flag after every minibatch. A cancelled or failed learning
// request leaves the learner exactly as it was committed before it (restored from the last file).
import { registerOnnxModel } from '../../src/cil/backbones/onnx.js';
import { getKernels } from '../../src/engine/kernels/index.js';
import { OnnxEncoder } from '../../src/onnx/encoder.js';
import { loadOnnx, parameterCount } from '../../src/onnx/model.js';
import { loadBundledMnist, type BundledMnist } from './dataset.js';
import { IMAGE_SIDE, type Envelope, type ProgressInfo, type Request, type Settings, type WorkerMessage } from './protocol.js';
import { Cancelled, Session } from './session.js';
import { strategyChoices } from './strategies.js';

declare const self: DedicatedWorkerGlobalScope;

// The binary backbone is the default (the CLI demo's: 784 → 256 → 256 binary units, GBM on the input bits).
const DEFAULTS: Settings = { strategyId: 'gbm', backbone: 'binary', hidden: [256, 256], epochs: 2, batchSize: 32, lr: 1e-3, trainPerClass: 500, seed: 1 };

let data: Promise<BundledMnist> | null = null;
let session: Session | null = null;
/** The last committed learner file: what a cancelled or failed request rolls back to. */
let committed: Uint8Array | null = null;
let cancelFlag: Int32Array | null = null;

const post = (m: WorkerMessage): void => self.postMessage(m);
let dataUrl: string | null = null;
const dataset = (): Promise<BundledMnist> => {
  if (!dataUrl) throw new Error('hello first: the page has not said where the bundled data lives');
  return (data ??= loadBundledMnist(dataUrl));
};

function need(): Session {
  if (!session) throw new Error('no learner yet: create one first');
  return session;
}

async function handle(id: number, r: Request): Promise<unknown> {
  let lastPost = 0;
  const progress = (p: ProgressInfo): void => {
    const now = performance.now();
    if (now - lastPost < 40 && p.fraction < 1) return;
    lastPost = now;
    post({ id, kind: 'progress', progress: p });
  };
  const cancelled = (): boolean => cancelFlag !== null && Atomics.load(cancelFlag, 0) !== 0;
  const choices = strategyChoices();
  switch (r.type) {
    case 'hello': {
      cancelFlag = r.cancelFlag ? new Int32Array(r.cancelFlag) : null;
      dataUrl = r.dataUrl;
      const d = await dataset();
      const strategyId = choices.some((c) => c.id === DEFAULTS.strategyId) ? DEFAULTS.strategyId : choices[0].id;
      return {
        backend: getKernels().name, crossOriginIsolated: self.crossOriginIsolated, strategies: choices, classNames: d.classNames,
        trainPerClass: d.train.perClass, testPerClass: d.test.perClass, defaults: { ...DEFAULTS, strategyId, trainPerClass: Math.min(DEFAULTS.trainPerClass, d.train.perClass) },
      };
    }
    case 'create': {
      const choice = choices.find((c) => c.id === r.settings.strategyId);
      if (!choice) throw new RangeError(`unknown strategy '${r.settings.strategyId}' (offered: ${choices.map((c) => c.id).join(', ')})`);
      session = Session.create(r.settings, choice, await dataset());
      const c = session.commit();
      committed = c.file;
      return c;
    }
    case 'learnTask':
    case 'learnDrawn': {
      const s = need();
      try {
        const c = r.type === 'learnTask' ? s.learnTask(r.classes, progress, cancelled) : s.learnDrawn(r.label, r.name, r.images, progress, cancelled);
        committed = c.file;
        return c;
      } catch (e) {
        // Half a task must not survive: rebuild the learner from the last committed file.
        if (committed) {
          try {
            session = Session.restore(committed, 'last committed learner', await dataset());
          } catch (rollback) {
            session = null;
            throw new Error(`${(e as Error).message}; rolling back failed too (${(rollback as Error).message}): create a new learner`);
          }
        }
        throw e;
      }
    }
    case 'predict': return need().predict(r.images);
    case 'predictTest': return need().predictTest();
    case 'exemplars': return need().exemplars(r.perClass);
    case 'export': { const s = need(); return { file: s.file(), name: s.fileName() }; }
    case 'exportC': return need().exportC();
    case 'loadEncoder': {
      // Checked (decoded, operators supported, planned for one 28×28 grayscale image) before it is offered.
      const model = loadOnnx(r.bytes, { source: r.name });
      const enc = new OnnxEncoder(model);
      const features = enc.featureShape([1, 1, IMAGE_SIDE, IMAGE_SIDE]).reduce((a, b) => a * b, 1);
      registerOnnxModel(r.name, model);
      return { name: r.name, summary: `${r.name}: ${model.nodes.length} nodes, ${parameterCount(model)} weights (32 bits each), cut at ${enc.cut.reason}, ${features} features` };
    }
    case 'import': {
      session = Session.restore(r.bytes, r.source, await dataset());
      const c = session.commit();
      committed = c.file;
      return c;
    }
  }
}

// One request at a time, in order (training is synchronous anyway; this keeps replies ordered).
let queue: Promise<void> = Promise.resolve();
self.onmessage = (e: MessageEvent<Envelope>) => {
  const { id, request } = e.data;
  queue = queue.then(async () => {
    if (cancelFlag) Atomics.store(cancelFlag, 0, 0);
    try {
      const result = await handle(id, request);
      // Copied, not transferred: the worker keeps the committed file for rollback.
      post({ id, kind: 'result', result });
    } catch (err) {
      post({ id, kind: 'error', error: err instanceof Error ? err.message : String(err), cancelled: err instanceof Cancelled });
    }
  });
};
