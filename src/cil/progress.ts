// Console reporters for a run: a live progress bar on a terminal, plain lines otherwise (logs, CI).
import type { Reporter } from './runner.js';
import { formatBits } from './budget.js';

const pct = (v: number | null): string => (v === null ? '   –  ' : `${(100 * v).toFixed(1).padStart(5)}%`);

interface Out { write(s: string): unknown; isTTY?: boolean; columns?: number }

export function consoleReporter(out: Out = process.stderr, quiet = false): Reporter {
  const tty = !!out.isTTY;
  let total = 0;
  let lastDraw = 0;
  return {
    start: (i) => {
      total = i.tasks;
      if (!quiet) out.write(`${i.config.name}: ${i.tasks} tasks, ${i.trainSize} train / ${i.testSize} test images${i.resumedAt ? `, resuming after task ${i.resumedAt - 1}` : ''}\n`);
    },
    taskStart: (t, n, classes) => { if (!quiet && !tty) out.write(`task ${t + 1}/${n}: classes ${classes.join(', ')}\n`); },
    batch: (t, b) => {
      if (quiet) return;
      if (tty) {
        const now = Date.now();
        if (now - lastDraw < 100 && b.batch + 1 < b.batches) return;
        lastDraw = now;
        const width = 24;
        const done = (b.epoch * b.batches + b.batch + 1) / (b.epochs * b.batches);
        const bar = '█'.repeat(Math.round(done * width)).padEnd(width, '░');
        out.write(`\r  task ${t + 1}/${total} ${bar} epoch ${b.epoch + 1}/${b.epochs} batch ${b.batch + 1}/${b.batches} loss ${b.loss.toFixed(4)}  `);
      } else if (b.batch + 1 === b.batches) {
        out.write(`  epoch ${b.epoch + 1}/${b.epochs}: last batch loss ${b.loss.toFixed(4)}\n`);
      }
    },
    taskEnd: (r, timing) => {
      if (quiet) return;
      if (tty) out.write('\r\x1b[K');
      out.write(`  task ${r.task + 1}/${total}: accuracy ${pct(r.accuracy)} (old ${pct(r.oldAccuracy)}, new ${pct(r.newAccuracy)}), memory ${formatBits(r.memory.totalBits)}, ${(timing.trainMs / 1000).toFixed(1)} s\n`);
    },
  };
}
