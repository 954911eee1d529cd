// Command registry: one module per command under ./commands, loaded lazily so `bitspike --help`
// starts instantly. A command module exports `run(argv): Promise<number>` (the exit code) and
// `summary` (one line for the help screen).

export interface CommandModule {
  summary: string;
  run(argv: string[]): Promise<number>;
}

export const commands: Record<string, () => Promise<CommandModule>> = {
  data: () => import('./commands/data.js'),
  cil: () => import('./commands/cil.js'),
  report: () => import('./commands/report.js'),
  demo: () => import('./commands/demo.js'),
  spikegrad: () => import('./commands/spikegrad.js'),
  bnn: () => import('./commands/bnn.js'),
  predict: () => import('./commands/predict.js'),
  relational: () => import('./commands/relational.js'),
  'relational-stdp': () => import('./commands/relational-stdp.js'),
  'gbm-study': () => import('./commands/gbm-study.js'),
  'fbnn-er': () => import('./commands/fbnn.js'),
  onnx: () => import('./commands/onnx.js'),
};
