// Worker-thread entry of runExperimentsInParallel: runs one experiment and posts each finished task
// and the results (or the error) to the parent. A worker has its own engine and wasm instance, so runs
// in different workers share nothing and each gives exactly what it gives alone.
import { parentPort, workerData } from 'node:worker_threads';
import { runExperiment } from '../cil/runner.js';
import type { ExperimentJob, WorkerMessage } from './parallelRuns.js';

const job = workerData as ExperimentJob;
const post = (m: WorkerMessage): void => parentPort!.postMessage(m);
try {
  const results = await runExperiment(job.config, {
    outDir: job.outDir,
    reporter: { taskEnd: (record, timing) => post({ type: 'task', record, timing }) },
  });
  post({ type: 'done', results });
} catch (e) {
  post({ type: 'error', message: (e as Error).message, stack: (e as Error).stack ?? '' });
}
