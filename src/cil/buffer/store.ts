// A fixed-capacity sample store whose capacity comes from a bit budget: samples are packed back to
// back at the codec's exact width, each with a class id of labelBits bits. memoryBits() is exactly the
// payload that serialize() writes (samples + labels, each padded only to a whole byte at the end), and
// add() refuses any write past the capacity, so the budget holds whatever a policy does.
import { bytesToBase64, base64ToBytes } from '../../engine/serialize.js';
import { BudgetError, labelBits } from '../budget.js';
import { readBits, wordsFor, writeBits } from '../../engine/bits.js';
import type { Codec } from './codec.js';

export interface StoreState {
  count: number;
  /** Samples, contiguous bitstream, base64. */
  payload: string;
  /** Class ids at labelBits each, contiguous bitstream, base64. */
  labels: string;
  /** Balancing group per sample (class id or task index; derivable from the label via the class map, so not counted). */
  groups: number[];
}

export class SampleStore {
  readonly capacity: number;
  readonly labelBits: number;
  private readonly words: Uint32Array;
  private readonly labelArr: Int32Array;
  private readonly groupArr: Int32Array;
  count = 0;

  /** `budgetBits` bits for samples of `codec` whose labels are ids among `numClasses` classes. */
  constructor(readonly codec: Codec, readonly budgetBits: number, readonly numClasses: number, what = 'buffer') {
    if (!Number.isInteger(budgetBits) || budgetBits < 0) throw new BudgetError(`${what}: bit budget must be a non-negative integer, got ${budgetBits}`);
    this.labelBits = labelBits(numClasses);
    this.capacity = Math.floor(budgetBits / this.bitsPerSample);
    this.words = new Uint32Array(wordsFor(this.capacity * codec.sampleBits) + 1);
    this.labelArr = new Int32Array(this.capacity);
    this.groupArr = new Int32Array(this.capacity);
  }

  /** Sample bits + label bits. */
  get bitsPerSample(): number {
    return this.codec.sampleBits + this.labelBits;
  }

  memoryBits(): number {
    return this.count * this.bitsPerSample;
  }

  label(i: number): number { return this.labelArr[this.check(i)]; }
  group(i: number): number { return this.groupArr[this.check(i)]; }

  private check(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) throw new RangeError(`buffer slot ${i} outside [0, ${this.count})`);
    return i;
  }

  /** Appends a sample (values src[offset .. offset+dim)). Throws BudgetError when the bit budget is full. */
  add(src: ArrayLike<number>, offset: number, label: number, group = label): number {
    if (this.count >= this.capacity) {
      throw new BudgetError(`buffer full: ${this.count} samples × ${this.bitsPerSample} bits; one more would exceed its ${this.budgetBits}-bit budget`);
    }
    if (!(Number.isInteger(label) && label >= 0 && label < this.numClasses)) throw new RangeError(`buffer: label ${label} outside [0, ${this.numClasses})`);
    const i = this.count++;
    this.write(i, src, offset, label, group);
    return i;
  }

  /** Overwrites slot i (reservoir replacement). */
  replace(i: number, src: ArrayLike<number>, offset: number, label: number, group = label): void {
    this.check(i);
    this.write(i, src, offset, label, group);
  }

  private write(i: number, src: ArrayLike<number>, offset: number, label: number, group: number): void {
    this.codec.encode(src, offset, this.words, i * this.codec.sampleBits);
    this.labelArr[i] = label;
    this.groupArr[i] = group;
  }

  read(i: number, dst: Uint8Array | Float32Array, dstOffset = 0): void {
    this.codec.decode(this.words, this.check(i) * this.codec.sampleBits, dst, dstOffset);
  }

  /** Keeps the slots whose keep[i] is true, preserving their order (herding order survives eviction). */
  compact(keep: (i: number) => boolean): void {
    const S = this.codec.sampleBits;
    let j = 0;
    for (let i = 0; i < this.count; i++) {
      if (!keep(i)) continue;
      if (i !== j) {
        // Raw bit copy (j < i, so the source is never overwritten before it is read).
        for (let b = 0; b < S; b += 32) {
          const w = Math.min(32, S - b);
          writeBits(this.words, j * S + b, w, readBits(this.words, i * S + b, w));
        }
        this.labelArr[j] = this.labelArr[i];
        this.groupArr[j] = this.groupArr[i];
      }
      j++;
    }
    this.count = j;
  }

  /** Count per group. */
  groupCounts(): Map<number, number> {
    const m = new Map<number, number>();
    for (let i = 0; i < this.count; i++) m.set(this.groupArr[i], (m.get(this.groupArr[i]) ?? 0) + 1);
    return m;
  }

  labelCounts(): Map<number, number> {
    const m = new Map<number, number>();
    for (let i = 0; i < this.count; i++) m.set(this.labelArr[i], (m.get(this.labelArr[i]) ?? 0) + 1);
    return m;
  }

  labels(): Int32Array {
    return this.labelArr.slice(0, this.count);
  }

  /** The stored payload: samples then labels as contiguous bitstreams (what memoryBits counts). */
  serialize(): StoreState {
    const sBits = this.count * this.codec.sampleBits;
    const samples = new Uint8Array(Math.ceil(sBits / 8));
    const sw = new Uint8Array(this.words.buffer, 0, samples.length);
    samples.set(sw);
    const lw = new Uint32Array(wordsFor(this.count * this.labelBits) + 1);
    for (let i = 0; i < this.count; i++) writeBits(lw, i * this.labelBits, this.labelBits, this.labelArr[i]);
    const labels = new Uint8Array(lw.buffer, 0, Math.ceil((this.count * this.labelBits) / 8)).slice();
    return { count: this.count, payload: bytesToBase64(samples), labels: bytesToBase64(labels), groups: Array.from(this.groupArr.subarray(0, this.count)) };
  }

  load(s: StoreState, what = 'buffer'): void {
    if (!s || !Number.isInteger(s.count) || s.count < 0 || s.count > this.capacity || !Array.isArray(s.groups) || s.groups.length !== s.count) {
      throw new TypeError(`${what}: snapshot holds ${s?.count} samples for a capacity of ${this.capacity} (or a malformed group list)`);
    }
    const samples = base64ToBytes(s.payload, `${what} payload`);
    const labels = base64ToBytes(s.labels, `${what} labels`);
    if (samples.length !== Math.ceil((s.count * this.codec.sampleBits) / 8) || labels.length !== Math.ceil((s.count * this.labelBits) / 8)) {
      throw new TypeError(`${what}: payload sizes do not match ${s.count} samples of ${this.codec.sampleBits} + ${this.labelBits} bits`);
    }
    this.words.fill(0);
    new Uint8Array(this.words.buffer).set(samples);
    const lw = new Uint32Array(wordsFor(s.count * this.labelBits) + 1);
    new Uint8Array(lw.buffer).set(labels);
    for (let i = 0; i < s.count; i++) {
      this.labelArr[i] = readBits(lw, i * this.labelBits, this.labelBits);
      this.groupArr[i] = s.groups[i];
    }
    this.count = s.count;
  }
}
