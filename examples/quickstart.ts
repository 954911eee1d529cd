// The README's library example, kept compiling by the build: `node build/examples/quickstart.js`.
import * as bs from '../src/index.js';

const rng = new bs.Rng(42);

// Train a small CNN on 2 threads of wasm SIMD kernels.
const model = bs.nn.smallCnn(rng);
const opt = new bs.Adam(model.parameters(), { lr: 1e-3 });
await bs.setThreads(2);
const x = bs.randn([64, 1, 28, 28], rng);
const labels = Int32Array.from({ length: 64 }, () => rng.int(10));
let loss = 0;
for (let step = 0; step < 20; step++) {
  // tidy: the step's activations live in the kernels' memory and are reused by the next step.
  loss = bs.tidy(() => {
    opt.zeroGrad();
    const l = bs.crossEntropy(model.forward(x), labels);
    l.backward();
    opt.step();
    return l.item();
  });
}
console.log(`small CNN: loss after 20 steps on one batch ${loss.toFixed(4)}`);

// Exact XNOR-popcount products on bit-packed ±1 matrices.
const a = bs.BitTensor.fromSigns(bs.randn([8, 1024], rng));
const w = bs.BitTensor.fromSigns(bs.randn([16, 1024], rng));
const scores = bs.xnorMatmul(a, w);
console.log(`xnorMatmul: int32 ${JSON.stringify(scores.shape)}, first score ${scores.data[0]}`);

// A generative binary memory: one Bernoulli mixture per class, sampled fresh for replay.
const memory = new bs.gbm.GenerativeMemory({ components: 3, precision: 'u8' });
for (const label of [0, 1]) {
  const codes = bs.BitTensor.fromSigns(bs.add(bs.randn([200, 64], rng), label ? 0.8 : -0.8));
  memory.fitClass(label, codes, rng);
}
const pseudo = memory.sample(4, rng);
console.log(`GBM memory: ${memory.memoryBits()} bits for ${memory.classes.length} classes; sampled labels ${[...pseudo.labels]}`);
await bs.setThreads(1);
