import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  getBit, packBits, packSignRows, popcount32, readBits, sign32, unpackBits, unpackSignRows, validatePackedRows, wordBit, wordsFor, writeBits,
} from '../../src/engine/bits.js';
import { packedWords } from '../../src/engine/kernels/types.js';
import { Rng } from '../../src/engine/random.js';

test('popcount32 counts the 1 bits of any 32-bit word', () => {
  const rng = new Rng(5);
  const words = [0, 1, 0x80000000, 0xffffffff, 0x55555555, 0xaaaaaaaa, 0x0f0f0f0f];
  for (let i = 0; i < 200; i++) words.push(rng.int(0x100000000) >>> 0);
  for (const w of words) {
    let n = 0;
    for (let b = 0; b < 32; b++) n += (w >>> b) & 1;
    assert.equal(popcount32(w), n, `popcount32(0x${w.toString(16)})`);
  }
});

test('sign32 maps x ≥ 0 (0 included) to 1 and x < 0 to 0; wordBit reads LSB first', () => {
  assert.deepEqual([2, 0, -0, -1e-9, -3].map(sign32), [1, 1, 1, 0, 0]);
  const w = new Uint32Array([0b1010, 0x80000001]);
  assert.deepEqual([0, 1, 2, 3, 31, 32, 33, 63].map((i) => wordBit(w, i)), [0, 1, 0, 1, 0, 1, 0, 1]);
});

test('writeBits/readBits store values of every width 1..32 back to back, across word boundaries', () => {
  const rng = new Rng(9);
  for (let width = 1; width <= 32; width++) {
    const n = 37, start = 5; // an odd start so values straddle word edges
    const words = new Uint32Array(wordsFor(start + n * width) + 1).fill(0xdeadbeef);
    const max = width === 32 ? 0x100000000 : 2 ** width;
    const values = Array.from({ length: n }, () => rng.int(max) >>> 0);
    values.forEach((v, i) => writeBits(words, start + i * width, width, v));
    assert.deepEqual(values.map((_, i) => readBits(words, start + i * width, width)), values, `width ${width}`);
    // The bits before `start` keep their old value: writes touch only their own field.
    assert.equal(readBits(words, 0, start), 0xdeadbeef & ((1 << start) - 1), `prefix untouched at width ${width}`);
  }
  assert.equal(wordsFor(0), 0);
  assert.equal(wordsFor(33), 2);
});

test('packBits/unpackBits/getBit round-trip rows padded to 64 bits', () => {
  const rng = new Rng(3);
  for (const bits of [1, 31, 32, 33, 64, 65, 130]) {
    const rows = 4, values = Array.from({ length: rows * bits }, () => rng.int(2));
    const p = packBits(values, rows, bits);
    assert.equal(p.data.length, rows * packedWords(bits));
    assert.equal(packedWords(bits) % 2, 0, 'rows are whole u64s');
    assert.deepEqual([...unpackBits(p)], values);
    for (let r = 0; r < rows; r++) for (let j = 0; j < bits; j++) assert.equal(getBit(p, r, j), values[r * bits + j]);
    validatePackedRows(p, 'p');
  }
});

test('validatePackedRows names the argument and what was expected', () => {
  const p = packBits([1, 0, 1], 1, 3);
  p.data[0] |= 1 << 7;
  assert.throws(() => validatePackedRows(p, 'codes'), /codes\.data: row 0 has non-zero padding bits beyond bit 3/);
  assert.throws(() => validatePackedRows({ data: new Uint32Array(3), rows: 1, bits: 3 }, 'x'), /x\.data: expected rows × packedWords\(bits\) = 1 × 2 = 2 words, got 3/);
  assert.throws(() => validatePackedRows({ data: new Uint32Array(0), rows: 0, bits: 3 }, 'x'), /x\.rows: expected an integer ≥ 1/);
  assert.throws(() => packBits([1, 0], 1, 3), /packBits: values must hold rows × bits = 3 entries, got 2/);
});

test('packSignRows/unpackSignRows round-trip ±1 rows by sign (sign(0) = +1) in the padded layout', () => {
  const z = Float32Array.of(1, -1, 0, -0.5, 2, -3, 1);
  assert.deepEqual([...unpackSignRows(packSignRows(z, 1, 7), 1, 7)], [1, -1, 1, -1, 1, -1, 1]);
  const rng = new Rng(11), rows = 3, bits = 70;
  const v = Float32Array.from({ length: rows * bits }, () => rng.normal());
  const packed = packSignRows(v, rows, bits);
  assert.equal(packed.length, rows * packedWords(bits));
  validatePackedRows({ data: packed, rows, bits }, 'packed');
  for (let r = 0; r < rows; r++) for (let j = 0; j < bits; j++) assert.equal(getBit({ data: packed, rows, bits }, r, j), v[r * bits + j] >= 0 ? 1 : 0);
  assert.deepEqual([...unpackSignRows(packed, rows, bits)], [...v].map((x) => (x >= 0 ? 1 : -1)));
});
