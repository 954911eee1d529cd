// The in-memory form of an imported ONNX graph: nodes with decoded attributes, graph inputs and
// outputs, and initializers as Values. model.ts builds it from a file; fuse.ts rewrites it.
import type { Value } from './value.js';

export type Attr =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'floats'; value: number[] }
  | { kind: 'ints'; value: number[] }
  | { kind: 'strings'; value: string[] }
  | { kind: 'tensor'; value: Value };

export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: ReadonlyMap<string, Attr>;
}

/** A graph input or output: name, element type code and dims (a number, a symbolic name, or null when unknown). */
export interface OnnxIo {
  readonly name: string;
  readonly elemType: number;
  readonly dims: readonly (number | string | null)[] | null;
}

export interface OnnxModel {
  /** File name or label used in error messages. */
  readonly source: string;
  readonly irVersion: number;
  readonly opset: number;
  readonly producer: string;
  /** Graph inputs that are not initializers (the data the caller feeds). */
  readonly inputs: readonly OnnxIo[];
  readonly outputs: readonly OnnxIo[];
  readonly nodes: readonly OnnxNode[];
  readonly initializers: ReadonlyMap<string, Value>;
}

