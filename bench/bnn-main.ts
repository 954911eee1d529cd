// Standalone entry for the BNN benchmark: node build/bench/bnn-main.js [--quick] [--threads N]
import { parseArgs } from '../src/cli/args.js';
import { runBnnBench } from './bnn.js';
import { findPython } from './python.js';

const { flags } = parseArgs('bench-bnn', process.argv.slice(2), {
  quick: { kind: 'boolean', help: 'fewer repetitions', default: false },
  threads: { kind: 'number', help: 'threads for bitspike and torch', default: 1 },
});
await runBnnBench({ quick: flags.quick as boolean, threads: flags.threads as number, python: findPython('torch') });
process.exit(0);
