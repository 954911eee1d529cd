// The subset of onnx.proto (github.com/onnx/onnx, onnx/onnx.proto, proto2) that a model file needs,
// as a protobufjs reflection definition: message and field names and numbers are the official ones,
// so protobufjs decodes and encodes real ONNX files. Messages bitspike never reads (training info,
// functions, sparse tensors, sequence/map types) are left out: protobufjs skips unknown fields, so
// files that carry them still decode.
import protobuf from 'protobufjs';

const packed = { packed: true };
const unpacked = { packed: false };

const ONNX_JSON: protobuf.INamespace = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            refAttrName: { type: 'string', id: 21 },
            docString: { type: 'string', id: 13 },
            type: { type: 'AttributeType', id: 20 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            g: { type: 'GraphProto', id: 6 },
            floats: { rule: 'repeated', type: 'float', id: 7, options: unpacked },
            ints: { rule: 'repeated', type: 'int64', id: 8, options: unpacked },
            strings: { rule: 'repeated', type: 'bytes', id: 9 },
            tensors: { rule: 'repeated', type: 'TensorProto', id: 10 },
            graphs: { rule: 'repeated', type: 'GraphProto', id: 11 },
          },
          nested: {
            AttributeType: {
              values: {
                UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, SPARSE_TENSOR: 11, TYPE_PROTO: 13,
                FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10, SPARSE_TENSORS: 12, TYPE_PROTOS: 14,
              },
            },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'TypeProto', id: 2 },
            docString: { type: 'string', id: 3 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            domain: { type: 'string', id: 7 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            docString: { type: 'string', id: 6 },
          },
        },
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            modelVersion: { type: 'int64', id: 5 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            metadataProps: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
        StringStringEntryProto: {
          fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } },
        },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            docString: { type: 'string', id: 10 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
            valueInfo: { rule: 'repeated', type: 'ValueInfoProto', id: 13 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1, options: unpacked },
            dataType: { type: 'int32', id: 2 },
            floatData: { rule: 'repeated', type: 'float', id: 4, options: packed },
            int32Data: { rule: 'repeated', type: 'int32', id: 5, options: packed },
            stringData: { rule: 'repeated', type: 'bytes', id: 6 },
            int64Data: { rule: 'repeated', type: 'int64', id: 7, options: packed },
            name: { type: 'string', id: 8 },
            docString: { type: 'string', id: 12 },
            rawData: { type: 'bytes', id: 9 },
            externalData: { rule: 'repeated', type: 'StringStringEntryProto', id: 13 },
            dataLocation: { type: 'DataLocation', id: 14 },
            doubleData: { rule: 'repeated', type: 'double', id: 10, options: packed },
            uint64Data: { rule: 'repeated', type: 'uint64', id: 11, options: packed },
          },
          nested: {
            DataType: {
              values: {
                UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9,
                FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15, BFLOAT16: 16,
              },
            },
            DataLocation: { values: { DEFAULT: 0, EXTERNAL: 1 } },
          },
        },
        TensorShapeProto: {
          fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: {
                dimValue: { type: 'int64', id: 1 },
                dimParam: { type: 'string', id: 2 },
                denotation: { type: 'string', id: 3 },
              },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensorType'] } },
          fields: {
            tensorType: { type: 'Tensor', id: 1 },
            denotation: { type: 'string', id: 6 },
          },
          nested: {
            Tensor: {
              fields: {
                elemType: { type: 'int32', id: 1 },
                shape: { type: 'TensorShapeProto', id: 2 },
              },
            },
          },
        },
        OperatorSetIdProto: {
          fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(ONNX_JSON);
export const ModelProto = root.lookupType('onnx.ModelProto');

/** ONNX TensorProto.DataType codes bitspike reads or writes. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10, DOUBLE: 11 } as const;

/** AttributeProto.AttributeType codes. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

// Plain-object views of the decoded messages (toObject with longs as numbers, bytes as Uint8Array).
export interface StringStringEntry { key?: string; value?: string }
export interface TensorMsg {
  dims?: number[]; dataType?: number; floatData?: number[]; int32Data?: number[]; int64Data?: number[];
  doubleData?: number[]; uint64Data?: number[]; name?: string; rawData?: Uint8Array;
  externalData?: StringStringEntry[]; dataLocation?: number;
}
export interface AttributeMsg {
  name?: string; type?: number; f?: number; i?: number; s?: Uint8Array; t?: TensorMsg; g?: GraphMsg;
  floats?: number[]; ints?: number[]; strings?: Uint8Array[];
}
export interface NodeMsg { input?: string[]; output?: string[]; name?: string; opType?: string; domain?: string; attribute?: AttributeMsg[] }
export interface DimensionMsg { dimValue?: number; dimParam?: string }
export interface ValueInfoMsg {
  name?: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim?: DimensionMsg[] } } };
}
export interface GraphMsg {
  node?: NodeMsg[]; name?: string; initializer?: TensorMsg[]; input?: ValueInfoMsg[]; output?: ValueInfoMsg[]; valueInfo?: ValueInfoMsg[];
}
export interface OpsetMsg { domain?: string; version?: number }
export interface ModelMsg {
  irVersion?: number; opsetImport?: OpsetMsg[]; producerName?: string; producerVersion?: string; domain?: string;
  modelVersion?: number; docString?: string; graph?: GraphMsg; metadataProps?: StringStringEntry[];
}

/** Decodes a ModelProto; throws protobufjs's error on malformed or truncated input. */
export function decodeModel(bytes: Uint8Array): ModelMsg {
  const msg = ModelProto.decode(bytes);
  return ModelProto.toObject(msg, { longs: Number, arrays: false, defaults: false }) as ModelMsg;
}

/** Encodes a ModelProto from the plain-object view (the inverse of decodeModel). */
export function encodeModel(m: ModelMsg): Uint8Array {
  const err = ModelProto.verify(m);
  if (err) throw new TypeError(`encodeModel: invalid ModelProto: ${err}`);
  return ModelProto.encode(ModelProto.fromObject(m)).finish();
}
