// GBM as a latent source for the CIL framework (contract: src/cil/latentSource.ts; registered by
// name in src/cil/latentSources/index.ts): the latent-replay slot
// receives freshly sampled Bernoulli pseudo-embeddings instead of stored latents, so GBM and binary
// latent replay are compared with everything else held equal. Latents cross the interface as ±1
// floats (bit 1 ↔ +1, sign(0) = +1); the memory is the mixture parameters only.
import { packSignRows, unpackSignRows } from '../engine/bits.js';
import type { Rng } from '../engine/random.js';
import { base64ToBytes, bytesToBase64 } from '../engine/serialize.js';
import type { LatentBatch, LatentSource, LatentSourceOptions } from '../cil/latentSource.js';
import type { PolicyContext } from '../cil/buffer/policy.js';
import { GenerativeMemory, type GenerativeMemoryConfig } from './generativeMemory.js';

export function gbmSource(o: LatentSourceOptions, cfg: GenerativeMemoryConfig = {}): LatentSource {
  if (o.format !== 'binary') throw new RangeError(`gbm latent source: GBM models binary latents; set the latent format to 'binary' (got '${o.format}')`);
  let memory = new GenerativeMemory(cfg);
  return {
    kind: 'gbm',
    memoryKind: 'generator',
    addClasses(latents: Float32Array, labels: Int32Array, ctx: PolicyContext): void {
      if (latents.length !== labels.length * o.dim) {
        throw new RangeError(`gbm latent source: ${latents.length} latent values for ${labels.length} labels of dimension ${o.dim}`);
      }
      const byClass = new Map<number, number[]>();
      labels.forEach((c, i) => { const l = byClass.get(c); if (l) l.push(i); else byClass.set(c, [i]); });
      for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
        const rows = byClass.get(c)!;
        const sub = new Float32Array(rows.length * o.dim);
        rows.forEach((r, j) => sub.set(latents.subarray(r * o.dim, (r + 1) * o.dim), j * o.dim));
        memory.fitClass(c, { data: packSignRows(sub, rows.length, o.dim), rows: rows.length, bits: o.dim }, ctx.rng);
      }
    },
    // A generator has no finite pool: any number of samples can be drawn once a class is stored.
    size: () => memory.classes.length,
    sample(n: number, rng: Rng): LatentBatch {
      const s = memory.sample(n, rng);
      return { latents: unpackSignRows(s.codes.data, n, o.dim), labels: s.labels };
    },
    memoryBits: () => memory.memoryBits(),
    state: () => ({ memory: bytesToBase64(memory.serialize()) }),
    loadState(s: unknown): void {
      const m = (s as { memory?: unknown } | null)?.memory;
      if (typeof m !== 'string') throw new TypeError('gbm latent source: state must be {memory: base64}');
      memory = GenerativeMemory.deserialize(base64ToBytes(m, 'gbm latent source memory'));
    },
  };
}
