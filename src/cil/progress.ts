// Console reporter of CIL runs (`bitspike cil`, `gbm-study`, `fbnn-er run`): feeds the shared progress
// display (src/cli/progressBar.ts: a bar on a terminal, plain lines in logs, JSON lines, or nothing) with
// the images trained and an estimate of the work left in the whole job.
import type { Reporter } from './runner.js';
import { formatBits } from './budget.js';
import type { ProgressBar } from '../cli/progressBar.js';

const pct = (v: number | null): string => (v === null ? '   –  ' : `${(100 * v).toFixed(1).padStart(5)}%`);
const ratio = (v: number | null): number | null => (v === null ? null : Math.round(v * 10000) / 10000);

/** A run of a study that makes several CIL runs (fbnn-er: one per budget and λ), announced before it starts. */
export interface StudyRun { run: number; runs: number; label: string }

export interface ConsoleReporter extends Reporter {
  /** Call before each run of a multi-run study: the bar counts the runs still to come into the time left. */
  studyRun(info: StudyRun): void;
}

export interface ConsoleReporterOptions {
  /** Print a line per finished task (off when the caller prints its own). Default true. */
  taskLines?: boolean;
  /** Print the run's heading line (name, tasks, images). Default true. */
  heading?: boolean;
}

/**
 * Progress in images trained (counting each epoch's examples, replayed ones included). The work of a
 * task is known exactly once its first batch arrives (epochs × examples per epoch); before that it is
 * estimated from the task's size, and an early stop (lr floor) takes its unfinished epochs off the total.
 */
export function consoleReporter(bar: ProgressBar, opts: ConsoleReporterOptions = {}): ConsoleReporter {
  const taskLines = opts.taskLines ?? true, heading = opts.heading ?? true;
  let tasks = 0, study: StudyRun | null = null;
  // Planned work of each task of the current run, and the current task's progress.
  let planned: number[] = [];
  let current = -1, currentDone = 0;
  // A run's whole planned work (for the runs of a study still to come).
  let runWork = 0;
  const runsAfter = () => (study ? study.runs - study.run - 1 : 0);
  const replan = () => {
    const left = planned.reduce((s, w, t) => s + (t < current ? 0 : t === current ? w - currentDone : w), 0);
    bar.setTotal(bar.done + left + runsAfter() * runWork);
  };
  const prefix = () => (study ? `run ${study.run + 1}/${study.runs} ` : '');
  return {
    studyRun: (info) => { study = info; },
    start: (i) => {
      tasks = i.tasks;
      const epochs = i.config.training.epochs;
      planned = i.taskTrainSizes.map((n, t) => (t < i.resumedAt ? 0 : n * epochs));
      runWork = i.taskTrainSizes.reduce((s, n) => s + n * epochs, 0);
      current = -1; currentDone = 0;
      replan();
      if (heading) {
        bar.log(`${study ? `${study.label}: ` : ''}${i.config.name}: ${i.tasks} tasks, ${i.trainSize} train / ${i.testSize} test images${i.resumedAt ? `, resuming after task ${i.resumedAt - 1}` : ''}`,
          { name: i.config.name, tasks: i.tasks, trainSize: i.trainSize, testSize: i.testSize, resumedAt: i.resumedAt });
      }
    },
    taskStart: (t, n, classes) => {
      current = t; currentDone = 0;
      bar.step(`${prefix()}task ${t + 1}/${n}: classes ${classes.join(', ')}`, { task: t, tasks: n, classes: classes.join(',') });
    },
    batch: (t, b) => {
      if (t !== current) { current = t; currentDone = 0; }
      if (b.epoch === 0 && b.batch === 0) { planned[t] = b.epochs * b.samples; replan(); }
      currentDone += b.images;
      bar.advance(b.images, `${prefix()}task ${t + 1}/${tasks} epoch ${b.epoch + 1}/${b.epochs}`,
        { task: t, epoch: b.epoch + 1, epochs: b.epochs, loss: b.loss }, ` loss ${b.loss.toFixed(4)}`);
      if (b.batch + 1 === b.batches) {
        bar.step(`  ${prefix()}task ${t + 1}/${tasks} epoch ${b.epoch + 1}/${b.epochs}: last batch loss ${b.loss.toFixed(4)}`,
          { task: t, epoch: b.epoch + 1, epochs: b.epochs, loss: b.loss });
      }
    },
    taskEnd: (r, timing) => {
      // Epochs not run (lr floor, a cached base task) leave the total.
      planned[r.task] = currentDone;
      current = r.task + 1; currentDone = 0;
      replan();
      if (taskLines) {
        bar.log(`  task ${r.task + 1}/${tasks}: accuracy ${pct(r.accuracy)} (old ${pct(r.oldAccuracy)}, new ${pct(r.newAccuracy)}), memory ${formatBits(r.memory.totalBits)}, ${(timing.trainMs / 1000).toFixed(1)} s`,
          { task: r.task, accuracy: ratio(r.accuracy), oldAccuracy: ratio(r.oldAccuracy), newAccuracy: ratio(r.newAccuracy), memoryBits: r.memory.totalBits, trainMs: timing.trainMs }, true);
      }
    },
  };
}
