// One error class for everything the ONNX path rejects (bad file, unsupported operator, shape
// problem), so callers and the CLI can tell a model problem from a bug.

export class OnnxError extends Error {
  override name = 'OnnxError';
}

/** "node 'conv1' (Conv) with inputs [x, w]": how every node-level error names its node. */
export function nodeLabel(n: { name: string; opType: string; inputs: readonly string[] }): string {
  return `node '${n.name}' (${n.opType}) with inputs [${n.inputs.map((i) => (i === '' ? '<absent>' : i)).join(', ')}]`;
}
