// What the learner's memory would replay, as pictures. GBM stores no images: it samples binary
// pseudo-embeddings from each class's Bernoulli mixture. On the binary backbone the latent is the
// input's bit image itself (layer 0: pixel > 128 on 28×28), so a sample IS a 28×28 binary digit; on
// the float MLP it is the 1st hidden layer's sign code, laid out row-major on a square. Each sample
// (white = +1, black = −1) is shown next to the real training image whose code is nearest in
// Hamming distance, with the mixture's most weighted prototype μ (P(bit = +1) as gray levels).
// Buffer strategies show what they actually store.
import { binaryCodec, pixelCodec, SampleStore, type StoreState } from '../../src/cil/buffer/index.js';
import type { Learner } from '../../src/cil/learner.js';
import { toInput } from '../../src/cil/samples.js';
import { unpackSignRows } from '../../src/engine/bits.js';
import { Rng } from '../../src/engine/random.js';
import { base64ToBytes } from '../../src/engine/serialize.js';
import { noGrad } from '../../src/engine/tensor.js';
import { GenerativeMemory } from '../../src/gbm/generativeMemory.js';
import { indicesOf, type Split } from './dataset.js';
import { IMAGE_DIM, IMAGE_SIDE, type ExemplarCell, type ExemplarGrid } from './protocol.js';

export interface ExemplarContext {
  learner: Learner;
  strategy: { name: string; options: Record<string, unknown> };
  train: Split;
  trainPerClass: number;
  /** Drawn examples by class id (their "training images"). */
  drawn: Map<number, Uint8Array>;
  className(c: number): string;
}

function codeCell(values: ArrayLike<number>, label: number, caption: string): ExemplarCell {
  const side = Math.ceil(Math.sqrt(values.length));
  const pixels = new Uint8Array(side * side).fill(96);
  for (let i = 0; i < values.length; i++) pixels[i] = values[i] > 0 ? 255 : 0;
  return { label, pixels, width: side, height: side, caption };
}

function grayCell(p: ArrayLike<number>, label: number, caption: string): ExemplarCell {
  const side = Math.ceil(Math.sqrt(p.length));
  const pixels = new Uint8Array(side * side).fill(96);
  for (let i = 0; i < p.length; i++) pixels[i] = Math.round(p[i] * 255);
  return { label, pixels, width: side, height: side, caption };
}

const imageCell = (px: Uint8Array, label: number, caption: string): ExemplarCell => ({ label, pixels: px, width: IMAGE_SIDE, height: IMAGE_SIDE, caption });

/** The real training images of class c and their ±1 latent codes. */
function realCodes(ctx: ExemplarContext, c: number): { images: Uint8Array; codes: Float32Array; n: number } {
  const drawn = ctx.drawn.get(c);
  let images: Uint8Array;
  if (drawn) images = drawn;
  else {
    const idx = indicesOf(ctx.train, [c], ctx.trainPerClass);
    images = new Uint8Array(idx.length * IMAGE_DIM);
    idx.forEach((i, j) => images.set(ctx.train.images.subarray(i * IMAGE_DIM, (i + 1) * IMAGE_DIM), j * IMAGE_DIM));
  }
  const n = images.length / IMAGE_DIM;
  const codes = noGrad(() => ctx.learner.net.latent(toInput(images, n, IMAGE_DIM)).f32.slice());
  return { images, codes, n };
}

function nearest(code: Float32Array, real: { images: Uint8Array; codes: Float32Array; n: number }): { image: Uint8Array; distance: number } {
  const D = code.length;
  let best = -1, bestD = Infinity;
  for (let i = 0; i < real.n; i++) {
    let d = 0;
    for (let k = 0; k < D; k++) if ((code[k] > 0) !== (real.codes[i * D + k] > 0)) d++;
    if (d < bestD) { bestD = d; best = i; }
  }
  return { image: real.images.subarray(best * IMAGE_DIM, (best + 1) * IMAGE_DIM), distance: bestD };
}

/** True when the latent codes are the 28×28 input bit images (GBM at layer 0 of the binary backbone, one level). */
function codesAreImages(ctx: ExemplarContext): boolean {
  return ctx.strategy.options.layer === 0 && ctx.learner.net.latentDim === IMAGE_DIM;
}

function gbmGrid(ctx: ExemplarContext, memory: GenerativeMemory, perClass: number): ExemplarGrid {
  const D = memory.codeBits;
  const images = codesAreImages(ctx);
  // A display-only Rng: sampling here must not move the learner's own random stream.
  const rng = new Rng(ctx.learner.options.seed * 7919 + ctx.learner.tasksLearned);
  const rows = memory.classes.map((c) => {
    const m = memory.model(c);
    let top = 0;
    for (let k = 1; k < m.components; k++) if (m.pi[k] > m.pi[top]) top = k;
    const row: ExemplarCell[] = [grayCell(m.prototype(top), c, `${ctx.className(c)}: μ, π=${m.pi[top].toFixed(2)}`)];
    const s = memory.sample(perClass, rng, [c]);
    const codes = unpackSignRows(s.codes.data, perClass, D);
    const real = realCodes(ctx, c);
    for (let j = 0; j < perClass; j++) {
      const code = codes.subarray(j * D, (j + 1) * D);
      const near = nearest(code, real);
      row.push(codeCell(code, c, `sample ${j + 1}`), imageCell(near.image, c, `nearest: ${near.distance} bits off`));
    }
    return row;
  });
  const columns = ['prototype μ'];
  for (let j = 0; j < perClass; j++) columns.push(`sample ${j + 1} (${images ? `${IMAGE_SIDE}×${IMAGE_SIDE} bit image` : `${D} bits`})`, 'nearest real image');
  return {
    title: `Pseudo-exemplars sampled from the generative memory (${memory.classes.length} classes × ${memory.components} components, ${images ? `${IMAGE_SIDE}×${IMAGE_SIDE}-bit images` : `${D}-bit codes`})`,
    explanation: images
      ? 'GBM stores no images. The binary network sees each digit as a 28×28 bit image (pixel > 128); each class keeps a mixture of Bernoulli ' +
        'prototypes over those bits, and old classes are rehearsed with bit images sampled from it: the samples are pseudo-digits (white = 1). ' +
        'Next to each is the real training image whose bits are nearest in Hamming distance (for reference only: it is not stored). ' +
        'μ shows P(pixel on) of the heaviest component.'
      : 'GBM stores no images. Each class keeps a mixture of Bernoulli prototypes over the binary codes of the first hidden layer; ' +
        'old classes are rehearsed with codes sampled from it. A code is drawn as a square of bits (white = +1, black = −1); next to it is the real ' +
        'training image whose code is nearest in Hamming distance (for reference only: it is not stored). μ shows P(bit = +1) of the heaviest component.',
    columns, rows,
  };
}

function bufferGrid(ctx: ExemplarContext, state: { store: StoreState }, binaryLatents: boolean, perClass: number): ExemplarGrid {
  const l = ctx.learner;
  const codec = binaryLatents ? binaryCodec(l.net.latentDim) : pixelCodec(IMAGE_DIM, Number(ctx.strategy.options.pixelBits ?? 8));
  const store = new SampleStore(codec, l.bufferBudgetBits ?? 0, l.numClasses, 'replay buffer');
  store.load(state.store);
  const byClass = new Map<number, ExemplarCell[]>();
  const out = new Float32Array(codec.dim);
  const px = new Uint8Array(codec.dim);
  for (let i = 0; i < store.count; i++) {
    const c = store.label(i);
    const row = byClass.get(c) ?? [];
    if (row.length >= perClass * (binaryLatents ? 2 : 1)) continue;
    if (binaryLatents) {
      store.read(i, out, 0);
      const near = nearest(out, realCodes(ctx, c));
      row.push(codeCell(out.slice(), c, `stored code #${i}`), imageCell(near.image.slice(), c, `nearest: ${near.distance} bits off`));
    } else {
      store.read(i, px, 0);
      row.push(imageCell(px.slice(), c, `stored image #${i}`));
    }
    byClass.set(c, row);
  }
  const rows = [...byClass.keys()].sort((a, b) => a - b).map((c) => byClass.get(c)!);
  return {
    title: `Stored exemplars (${store.count} in the buffer, ${codec.describe()} each)`,
    explanation: binaryLatents
      ? 'The buffer holds real 1-bit codes of the first hidden layer, drawn as squares of bits (white = +1); next to each, the real image with the nearest code.'
      : 'The buffer holds real training images at the chosen bit depth.',
    columns: binaryLatents ? Array.from({ length: perClass }, (_, j) => [`code ${j + 1}`, 'nearest real image']).flat() : Array.from({ length: perClass }, (_, j) => `image ${j + 1}`),
    rows,
  };
}

export function exemplarGrid(ctx: ExemplarContext, perClass: number): ExemplarGrid {
  const state = ctx.learner.strategy.state() as Record<string, unknown> | null;
  if (ctx.learner.seenClasses === 0) return { title: 'No classes learned yet', explanation: 'Teach a task to see what the memory replays.', columns: [], rows: [] };
  if (state && typeof state.memory === 'string') {
    return gbmGrid(ctx, GenerativeMemory.deserialize(base64ToBytes(state.memory, 'GBM memory')), perClass);
  }
  if (state && typeof state === 'object' && 'store' in state) {
    return bufferGrid(ctx, state as { store: StoreState }, ctx.strategy.name === 'latent-replay', perClass);
  }
  return {
    title: `No exemplars: ${ctx.strategy.name} keeps none`,
    explanation: 'This strategy replays nothing; it relies on the model (and, for LwF, a frozen copy of it) alone.', columns: [], rows: [],
  };
}
