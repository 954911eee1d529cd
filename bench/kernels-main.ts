// Standalone kernel benchmark: node build/bench/kernels-main.js [--quick] [--threads N]
import { runKernelBench } from './kernels.js';

const argv = process.argv.slice(2);
const at = argv.indexOf('--threads');
const threads = at >= 0 ? Number(argv[at + 1]) : 2;
if (!Number.isInteger(threads) || threads < 1) throw new Error(`kernels-main: --threads needs an integer ≥ 1, got ${argv[at + 1]}`);
await runKernelBench({ quick: argv.includes('--quick'), threads });
