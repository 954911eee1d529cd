// Budget arithmetic for the replay study (docs/methods-cil.md §1.2, §3.5). Budgets are decimal megabits
// (1 Mb = 10^6 bits). A buffer of B bits holds floor(B / sampleBits) samples, rounded DOWN to a
// multiple of the number of classes it must serve so every class gets the same quota — the paper's
// 25 Mb latent buffer: floor(25·10^6 / 1,024) = 24,414 → 24,400 = 50 × 488 vectors (24.9856 Mb).
// As in the paper, the budget counts the sample payload; the class label of each stored sample
// (ceil(log2 #classes) bits) is reported next to it, not hidden inside it.

export const BITS_PER_MB = 1_000_000;

/** Decimal megabits → bits (exact for budgets given with up to 6 decimals). */
export function mbToBits(mb: number): number {
  if (!(Number.isFinite(mb) && mb >= 0)) throw new RangeError(`budget must be a non-negative number of Mb, got ${mb}`);
  return Math.round(mb * BITS_PER_MB);
}

/** Bits of one stored latent: 1 bit per dimension. */
export function latentSampleBits(latentBits: number): number {
  if (!(Number.isInteger(latentBits) && latentBits >= 1)) throw new RangeError(`latentBits must be a positive integer, got ${latentBits}`);
  return latentBits;
}

/** Bits of one stored image: H·W·C pixels at `pixelBits` each. */
export function imageSampleBits(height: number, width: number, channels: number, pixelBits: number): number {
  for (const [k, v] of [['height', height], ['width', width], ['channels', channels]] as const) {
    if (!(Number.isInteger(v) && v >= 1)) throw new RangeError(`image ${k} must be a positive integer, got ${v}`);
  }
  if (!(Number.isInteger(pixelBits) && pixelBits >= 1 && pixelBits <= 8)) throw new RangeError(`pixelBits must be an integer in [1, 8], got ${pixelBits}`);
  return height * width * channels * pixelBits;
}

export interface BufferPlan {
  budgetBits: number;
  sampleBits: number;
  classes: number;
  /** Samples the buffer holds: a multiple of `classes` (0: the budget cannot give every class one sample). */
  capacity: number;
  perClass: number;
  /** capacity × sampleBits ≤ budgetBits. */
  payloadBits: number;
}

/** Class-balanced capacity of a `budgetBits` buffer of `sampleBits`-bit samples serving `classes` classes. */
export function planBuffer(budgetBits: number, sampleBits: number, classes: number): BufferPlan {
  if (!(Number.isInteger(budgetBits) && budgetBits >= 0)) throw new RangeError(`budgetBits must be a non-negative integer, got ${budgetBits}`);
  if (!(Number.isInteger(sampleBits) && sampleBits >= 1)) throw new RangeError(`sampleBits must be a positive integer, got ${sampleBits}`);
  if (!(Number.isInteger(classes) && classes >= 1)) throw new RangeError(`classes must be a positive integer, got ${classes}`);
  const raw = Math.floor(budgetBits / sampleBits);
  const perClass = Math.floor(raw / classes);
  const capacity = perClass * classes;
  return { budgetBits, sampleBits, classes, capacity, perClass, payloadBits: capacity * sampleBits };
}

/**
 * The budget ladder in Mb: 1-2-5 steps (perDecade = 3; other counts use even log steps, rounded to
 * 2 significant digits) from `minMb` up to and including `maxMb` (the whole deployment training set).
 */
export function budgetLadder(minMb: number, maxMb: number, perDecade = 3): number[] {
  if (!(minMb > 0 && Number.isFinite(minMb))) throw new RangeError(`ladder minMb must be > 0, got ${minMb}`);
  if (!(maxMb >= minMb && Number.isFinite(maxMb))) throw new RangeError(`ladder maxMb must be ≥ minMb (${minMb}), got ${maxMb}`);
  if (!(Number.isInteger(perDecade) && perDecade >= 1)) throw new RangeError(`ladder perDecade must be a positive integer, got ${perDecade}`);
  const out: number[] = [];
  const round = (v: number): number => Number(v.toPrecision(2));
  if (perDecade === 3) {
    const steps = [1, 2, 5];
    for (let e = Math.floor(Math.log10(minMb)) - 1; ; e++) {
      const done = steps.some((s) => {
        const v = round(s * 10 ** e);
        if (v >= minMb * (1 - 1e-9) && v < maxMb * (1 - 1e-9)) out.push(v);
        return v >= maxMb;
      });
      if (done) break;
    }
  } else {
    for (let k = 0; ; k++) {
      const v = round(minMb * 10 ** (k / perDecade));
      if (v >= maxMb * (1 - 1e-9)) break;
      if (!out.includes(v)) out.push(v);
    }
  }
  out.push(Number((maxMb).toPrecision(6)));
  return out;
}
