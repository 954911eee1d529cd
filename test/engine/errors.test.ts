// Bad input names the op and the shapes; NaN detection names the producing op.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../src/engine/index.js';

test('shape mismatches raise errors naming the op and the shapes', () => {
  const a = E.zeros([2, 3]), b = E.zeros([4, 5]);
  assert.throws(() => E.matmul(a, b), /matmul: inner dimensions differ: \[2,3\] · \[4,5\]/);
  assert.throws(() => E.add(E.zeros([2, 3]), E.zeros([4])), /add: shapes \[2,3\] and \[4\] cannot be broadcast/);
  assert.throws(() => E.conv2d(E.zeros([1, 3, 8, 8]), E.zeros([4, 2, 3, 3])), /conv2d: weight \[4,2,3,3\] expects 2 input channels, input \[1,3,8,8\] has 3/);
  assert.throws(() => E.conv2d(E.zeros([1, 3, 2, 2]), E.zeros([4, 3, 3, 3])), /conv2d: kernel 3×3/);
  assert.throws(() => E.conv2d(E.zeros([3, 8, 8]), E.zeros([4, 3, 3, 3])), /conv2d: input must be NCHW/);
  assert.throws(() => E.reshape(E.zeros([2, 3]), [4, -1]), /reshape: cannot reshape \[2,3\]/);
  assert.throws(() => E.linear(E.zeros([2, 3]), E.zeros([4, 5])), /linear: input \[2,3\] does not match weight \[4,5\]/);
  assert.throws(() => E.crossEntropy(E.zeros([2, 3]), [0, 3]), /label 3 at row 1 is outside \[0, 3\)/);
  assert.throws(() => E.crossEntropy(E.zeros([2, 3]), [0]), /got 1 labels for 2 rows/);
  assert.throws(() => E.gather(E.zeros([3, 2]), [3]), /gather: index 3 is out of range/);
  assert.throws(() => E.slice(E.zeros([3, 2]), [2, 0], [2, 1]), /slice: range \[2, 4\) is outside dimension 0/);
  assert.throws(() => E.concat([E.zeros([2, 2]), E.zeros([3, 3])], 0), /concat: shapes \[2,2\], \[3,3\] differ/);
  assert.throws(() => E.sum(E.zeros([2]), 3), /axis 3 is out of range for rank 1/);
  assert.throws(() => new E.Tensor(new Float32Array(5), [2, 3]), /data has 5 elements but shape \[2,3\] needs 6/);
  assert.throws(() => E.zeros([2, -1]), /invalid shape/);
  assert.throws(() => E.tensor([1, 2], [2], { dtype: 'int32' }).f32, /expected a float32 tensor, got int32/);
});

test('NaN/Inf detection names the op that produced the value, and is off by default', () => {
  const x = E.tensor([1, -1, 4], [3], { requiresGrad: true });
  assert.doesNotThrow(() => E.log(x));
  E.setDebug({ nanCheck: true });
  try {
    assert.throws(() => E.log(x), (e: Error) => e instanceof E.NonFiniteError && /^log: output has a non-finite value \(NaN\) at flat index 1/.test(e.message));
    assert.throws(() => E.div(x, E.tensor([1, 0, 1], [3])), /div: output has a non-finite value \(-Infinity\)/);
    // A gradient that blows up is caught in backward, naming the op.
    const y = E.sqrt(E.tensor([0, 1], [2], { requiresGrad: true }));
    assert.throws(() => E.sum(y).backward(), /sqrt: gradient of input 0 has a non-finite value \(Infinity\)/);
  } finally {
    E.setDebug({ nanCheck: false });
  }
});
