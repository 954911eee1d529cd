// Standalone BMM benchmark: node build/bench/bmm-main.js [--quick] [--threads N] [--no-reference]
import { availableParallelism } from 'node:os';
import { runBmmBench } from './bmm.js';
import { findPython } from './python.js';

const argv = process.argv.slice(2);
const at = argv.indexOf('--threads');
const threads = at >= 0 ? Number(argv[at + 1]) : Math.min(2, availableParallelism());
if (!Number.isInteger(threads) || threads < 1) throw new Error(`bmm-main: --threads needs an integer ≥ 1, got ${argv[at + 1]}`);
const python = argv.includes('--no-reference') ? undefined : findPython('numpy');
console.error(`bmm bench: numpy reference: ${python ?? 'none (ratios omitted)'}`);
await runBmmBench({ quick: argv.includes('--quick'), threads, python });
