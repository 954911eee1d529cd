// tidy(): a scope for a unit of work (an inference pass, or a whole training step: forward,
// backward, optimizer step) whose op outputs live in the kernels' own memory. Kernel calls then read
// and write activations in place instead of staging copies in and out, and the blocks go back for
// reuse when the scope ends, so the next pass or step allocates nothing (tfjs's tf.tidy, with the
// same contract).
//
// Contract: a tensor made inside fn and not returned must not be used after tidy returns (its
// values are reused). What fn returns stays valid; the outermost tidy copies it onto the JS heap.
// A returned tensor may not carry a gradient graph: call backward inside the scope. Without the
// wasm backend (reference kernels) tidy changes nothing but the bookkeeping.
import { closeScope, isShared, openScope, releaseResident } from './buffer-pool.js';
import { Tensor, type TensorData } from './tensor.js';

/** What tidy may return: tensors, plain values, and arrays or plain objects of them. */
export type TidyResult = void | undefined | null | number | string | boolean | Tensor | readonly TidyResult[] | { readonly [key: string]: TidyResult };

/** Runs fn in a scope whose intermediate op outputs are freed at its end (see the contract above). */
export function tidy<T extends TidyResult>(fn: () => T): T {
  openScope();
  let result: T;
  try {
    result = fn();
  } catch (e) {
    closeScope(new Set());
    throw e;
  }
  const tensors = returnedTensors(result);
  const graph = tensors.find((t) => t.node !== null);
  const escaped = closeScope(graph ? new Set() : new Set(tensors.map((t) => t.data)));
  if (graph) {
    throw new Error(`tidy: the returned ${graph.toString()} still has a gradient graph (op ${graph.node!.op}); ` +
      'call backward inside the scope, or return a value computed under noGrad or detach()ed');
  }
  if (escaped.length > 0) {
    // The outermost scope: returned resident arrays move to the JS heap (a tensor may share its array with another).
    const copies = new Map<TensorData, TensorData>(escaped.map((a) => [a, a.slice()]));
    for (const t of tensors) {
      const c = copies.get(t.data);
      if (c) t.replaceData(c);
    }
    for (const a of escaped) releaseResident(a);
  }
  return result;
}

function returnedTensors(r: TidyResult): Tensor[] {
  const out: Tensor[] = [];
  const seen = new Set<object>();
  const visit = (v: TidyResult): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (v instanceof Tensor) { out.push(v); return; }
    if (ArrayBuffer.isView(v)) {
      if (isShared(v as unknown as ArrayBufferView)) {
        throw new TypeError('tidy: fn returned an array that views kernel memory (a tensor\'s data); return the Tensor, or a copy made with slice()');
      }
      return;
    }
    for (const x of Array.isArray(v) ? v as readonly TidyResult[] : Object.values(v)) visit(x);
  };
  visit(r);
  return out;
}
