// Loading an ONNX model: protobuf decoding (protobufjs, proto.ts), then checks that turn a bad file
// into an error that says what is wrong before anything runs: not an ONNX file, truncated or
// corrupt, opset too old, an operator bitspike does not implement, a node reading a value nothing
// produces (a missing initializer), an initializer whose data does not fill its dims. Initializers
// become Values; external-data initializers are read through a caller-given reader (io-node.ts for
// files), so this module stays platform-neutral (browser and Node).
import { nodeLabel, OnnxError } from './errors.js';
import { isSupportedOp } from './ops.js';
import { decodeModel, DataType, AttributeType, type AttributeMsg, type TensorMsg, type ValueInfoMsg } from './proto.js';
import type { Attr, OnnxIo, OnnxModel, OnnxNode } from './graph.js';
import { sizeOfShape, fmtShape, type Value } from './value.js';

export type { Attr, OnnxIo, OnnxModel, OnnxNode } from './graph.js';

export const MIN_OPSET = 13;

/** Returns the bytes of an external-data file named by a tensor's `location` (relative to the model). */
export type ExternalReader = (location: string) => Uint8Array;

export interface LoadOptions {
  /** Name shown in errors (default 'model'). */
  source?: string;
  /** Needed when initializers are stored in external files. */
  readExternal?: ExternalReader;
}

// Wire tags a ModelProto can start with (field number << 3 | wire type), first byte only: varint
// fields 1 (ir_version) and 5 (model_version), length-delimited 2, 3, 4, 6, 7, 8 and 14, 20, 25 (two bytes).
const MODEL_FIRST_BYTES = new Set([0x08, 0x28, 0x12, 0x1a, 0x22, 0x32, 0x3a, 0x42, 0x72, 0xa2, 0xca]);

function describeMagic(b: Uint8Array): string {
  const head = Array.from(b.subarray(0, 8), (x) => x.toString(16).padStart(2, '0')).join(' ');
  const ascii = String.fromCharCode(...b.subarray(0, 4));
  const hint = ascii.startsWith('PK') ? ' (a zip archive: a PyTorch .pt/.pth checkpoint? export it with torch.onnx.export)'
    : ascii === '\x89PNG' ? ' (a PNG image)' : ascii.startsWith('\x93NUMPY'.slice(0, 4)) ? ' (a NumPy .npy array)' : '';
  return `${head}${hint}`;
}

/** Decodes and checks an ONNX model. Throws OnnxError naming `source` and the problem. */
export function loadOnnx(bytes: Uint8Array, opts: LoadOptions = {}): OnnxModel {
  const source = opts.source ?? 'model';
  if (bytes.length === 0) throw new OnnxError(`${source}: empty file, expected an ONNX model`);
  if (!MODEL_FIRST_BYTES.has(bytes[0])) {
    throw new OnnxError(`${source}: not an ONNX model: the file does not start with an ONNX ModelProto field (first bytes ${describeMagic(bytes)})`);
  }
  let m;
  try {
    m = decodeModel(bytes);
  } catch (e) {
    throw new OnnxError(`${source}: truncated or corrupt ONNX file (${bytes.length} bytes; protobuf decoding failed: ${(e as Error).message})`, { cause: e });
  }
  const g = m.graph;
  if (!g) throw new OnnxError(`${source}: not an ONNX model or truncated: no graph found (ir_version ${m.irVersion ?? 'missing'})`);
  const defaultOpset = (m.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  const opset = defaultOpset?.version ?? 0;
  if (opset < MIN_OPSET) {
    throw new OnnxError(`${source}: opset ${opset || 'missing'} is not supported; bitspike reads opset ${MIN_OPSET} and newer (re-export with opset_version=${MIN_OPSET} or later)`);
  }

  const initializers = new Map<string, Value>();
  for (const t of g.initializer ?? []) {
    const name = t.name ?? '';
    if (!name) throw new OnnxError(`${source}: an initializer has no name`);
    initializers.set(name, tensorValue(t, `${source}: initializer '${name}'`, opts.readExternal));
  }
  const inputs = (g.input ?? []).filter((i) => !initializers.has(i.name ?? '')).map((i) => io(i, source));
  const outputs = (g.output ?? []).map((o) => io(o, source));
  if (inputs.length === 0) throw new OnnxError(`${source}: the graph has no inputs`);
  if (outputs.length === 0) throw new OnnxError(`${source}: the graph has no outputs`);

  const known = new Set<string>([...initializers.keys(), ...inputs.map((i) => i.name)]);
  const nodes: OnnxNode[] = [];
  (g.node ?? []).forEach((n, idx) => {
    const node: OnnxNode = {
      name: n.name || `${n.opType ?? 'node'}_${idx}`,
      opType: n.opType ?? '',
      inputs: n.input ?? [],
      outputs: n.output ?? [],
      attrs: attributes(n.attribute ?? [], `${source}: node '${n.name ?? idx}'`),
    };
    if (n.domain && n.domain !== 'ai.onnx') {
      throw new OnnxError(`${source}: unsupported operator ${n.domain}::${node.opType} at ${nodeLabel(node)}: bitspike implements the default ONNX domain only`);
    }
    if (!isSupportedOp(node.opType)) {
      throw new OnnxError(`${source}: unsupported operator '${node.opType}' at ${nodeLabel(node)} (see docs/onnx.md for the supported operators)`);
    }
    for (const i of node.inputs) {
      if (i !== '' && !known.has(i)) {
        throw new OnnxError(`${source}: ${nodeLabel(node)} reads '${i}', which no earlier node, initializer or graph input produces (missing initializer, or nodes out of order)`);
      }
    }
    for (const o of node.outputs) if (o !== '') known.add(o);
    nodes.push(node);
  });
  for (const o of outputs) {
    if (!known.has(o.name)) throw new OnnxError(`${source}: graph output '${o.name}' is not produced by any node`);
  }
  return {
    source, irVersion: m.irVersion ?? 0, opset, producer: [m.producerName, m.producerVersion].filter(Boolean).join(' '),
    inputs, outputs, nodes, initializers,
  };
}

function io(v: ValueInfoMsg, source: string): OnnxIo {
  const name = v.name ?? '';
  if (!name) throw new OnnxError(`${source}: a graph input or output has no name`);
  const tt = v.type?.tensorType;
  const dims = tt?.shape ? (tt.shape.dim ?? []).map((d) => d.dimValue ?? d.dimParam ?? null) : null;
  return { name, elemType: tt?.elemType ?? 0, dims };
}

const decoder = new TextDecoder();

function attributes(list: readonly AttributeMsg[], where: string): Map<string, Attr> {
  const out = new Map<string, Attr>();
  for (const a of list) {
    const name = a.name ?? '';
    switch (a.type) {
      case AttributeType.FLOAT: out.set(name, { kind: 'float', value: a.f ?? 0 }); break;
      case AttributeType.INT: out.set(name, { kind: 'int', value: a.i ?? 0 }); break;
      case AttributeType.STRING: out.set(name, { kind: 'string', value: decoder.decode(a.s ?? new Uint8Array()) }); break;
      case AttributeType.FLOATS: out.set(name, { kind: 'floats', value: a.floats ?? [] }); break;
      case AttributeType.INTS: out.set(name, { kind: 'ints', value: a.ints ?? [] }); break;
      case AttributeType.STRINGS: out.set(name, { kind: 'strings', value: (a.strings ?? []).map((s) => decoder.decode(s)) }); break;
      case AttributeType.TENSOR:
        if (!a.t) throw new OnnxError(`${where}: attribute '${name}' has no tensor`);
        out.set(name, { kind: 'tensor', value: tensorValue(a.t, `${where} attribute '${name}'`) });
        break;
      default:
        throw new OnnxError(`${where}: attribute '${name}' has type ${a.type ?? 'missing'}, which bitspike does not read (subgraphs and sparse tensors are unsupported)`);
    }
  }
  return out;
}

function dataView(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Decodes a TensorProto (inline, raw or external data) to a float or int Value. */
export function tensorValue(t: TensorMsg, where: string, readExternal?: ExternalReader): Value {
  const dims = t.dims ?? [];
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw new OnnxError(`${where}: invalid dims ${fmtShape(dims)}`);
  const n = sizeOfShape(dims);
  const dt = t.dataType ?? 0;
  let raw = t.rawData;
  if (t.dataLocation === 1) {
    const entry = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
    const location = entry.get('location');
    if (!location) throw new OnnxError(`${where}: external data without a location`);
    if (!readExternal) throw new OnnxError(`${where}: stored in external file '${location}', but no external-data reader was given (load the model from a file path)`);
    const file = readExternal(location);
    const offset = Number(entry.get('offset') ?? 0);
    const length = entry.has('length') ? Number(entry.get('length')) : file.length - offset;
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > file.length) {
      throw new OnnxError(`${where}: external data range offset ${offset}, length ${length} lies outside '${location}' (${file.length} bytes): truncated external file?`);
    }
    raw = file.subarray(offset, offset + length);
  }
  const check = (got: number) => {
    if (got !== n) throw new OnnxError(`${where}: has ${got} values but dims ${fmtShape(dims)} need ${n} (truncated or corrupt tensor data)`);
  };
  const isFloat = dt === DataType.FLOAT || dt === DataType.DOUBLE || dt === DataType.FLOAT16;
  const isInt = dt === DataType.INT64 || dt === DataType.INT32 || dt === DataType.INT8 || dt === DataType.UINT8 || dt === DataType.BOOL;
  if (!isFloat && !isInt) throw new OnnxError(`${where}: data type ${dt} is not supported (float32/64/16, int64/32/8, uint8, bool are)`);
  if (raw !== undefined && (raw.length > 0 || t.dataLocation === 1)) {
    const bytes = raw;
    const width = dt === DataType.DOUBLE || dt === DataType.INT64 ? 8 : dt === DataType.FLOAT || dt === DataType.INT32 ? 4 : dt === DataType.FLOAT16 ? 2 : 1;
    if (bytes.length % width !== 0) throw new OnnxError(`${where}: raw data of ${bytes.length} bytes is not a whole number of ${width}-byte values (truncated?)`);
    check(bytes.length / width);
    const dv = dataView(bytes);
    if (isFloat) {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        out[i] = dt === DataType.FLOAT ? dv.getFloat32(4 * i, true) : dt === DataType.DOUBLE ? dv.getFloat64(8 * i, true) : half(dv.getUint16(2 * i, true));
      }
      return { type: 'float', shape: dims, data: out };
    }
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = dt === DataType.INT64 ? Number(dv.getBigInt64(8 * i, true)) : dt === DataType.INT32 ? dv.getInt32(4 * i, true)
        : dt === DataType.INT8 ? dv.getInt8(i) : dv.getUint8(i);
    }
    return { type: 'int', shape: dims, data: out };
  }
  if (isFloat) {
    const src = dt === DataType.FLOAT ? t.floatData : dt === DataType.DOUBLE ? t.doubleData : (t.int32Data ?? []).map(half);
    check(src?.length ?? 0);
    return { type: 'float', shape: dims, data: Float32Array.from(src ?? []) };
  }
  const src = dt === DataType.INT64 ? t.int64Data : t.int32Data;
  check(src?.length ?? 0);
  return { type: 'int', shape: dims, data: Float64Array.from(src ?? []) };
}

/** IEEE 754 half → number. */
function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Every operator type in the graph with its node count, in first-use order. */
export function operatorCounts(m: OnnxModel): Map<string, number> {
  const c = new Map<string, number>();
  for (const n of m.nodes) c.set(n.opType, (c.get(n.opType) ?? 0) + 1);
  return c;
}

/** Scalars in float initializers (the weights). */
export function parameterCount(m: OnnxModel): number {
  let s = 0;
  for (const v of m.initializers.values()) if (v.type === 'float') s += v.data.length;
  return s;
}
