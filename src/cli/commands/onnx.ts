// `bitspike onnx info|run|export`: inspect an ONNX model (inputs, outputs, operators, weights and
// their bits, the default cut), run it (or up to a named value) on a float32 .npy batch, and export a
// learner trained by bitspike to ONNX.
import fs from 'node:fs';
import { decodeLearnerFile, restoreLearner } from '../../cil/learnerFile.js';
import { registerOnnxModel, registeredOnnxModel } from '../../cil/backbones/onnx.js';
import { readNpy, writeNpy } from '../../data/npy.js';
import { setThreads } from '../../engine/kernels/index.js';
import { THREADS_FLAG, useKernelThreads } from '../threads.js';
import { exportOnnx } from '../../onnx/export.js';
import { readOnnxFile } from '../../onnx/io-node.js';
import { operatorCounts, parameterCount, type OnnxModel } from '../../onnx/model.js';
import { SUPPORTED_OPS } from '../../onnx/ops.js';
import { OnnxRunner, resolveCut } from '../../onnx/runner.js';
import { writeFileAtomic } from '../../util/atomicWrite.js';
import { parseArgs, usage, UsageError, type FlagSpecs } from '../args.js';

export const summary = 'ONNX models: info FILE, run FILE --input x.npy --out y.npy, export --learner F --out model.onnx';

const INFO: FlagSpecs = {
  cut: { kind: 'string', help: 'cut point (node or value name) to report instead of the default' },
  'input-shape': { kind: 'string', help: 'input shape for planning, e.g. 1,3,224,224 (default: the declared shape, batch 1)' },
  json: { kind: 'boolean', help: 'print JSON' },
  help: { kind: 'boolean', help: 'show this help' },
};
const RUN: FlagSpecs = {
  input: { kind: 'string', help: 'float32 .npy batch in the graph input layout (e.g. N×C×H×W)' },
  out: { kind: 'string', help: 'write the result here (.npy, float32)' },
  output: { kind: 'string', help: 'value or node name to return (default: the first graph output)' },
  threads: THREADS_FLAG,
  help: { kind: 'boolean', help: 'show this help' },
};
const EXPORT: FlagSpecs = {
  learner: { kind: 'string', help: 'learner file (.bslearner) whose encoder, trunk and head are exported' },
  out: { kind: 'string', help: 'write the ONNX model here' },
  help: { kind: 'boolean', help: 'show this help' },
};

function help(): string {
  return [
    'usage: bitspike onnx <info|run|export> ...', '', summary, '',
    usage('onnx info FILE', 'inputs, outputs, operators, weights (bits at 32 per weight) and the default cut', INFO),
    '', usage('onnx run FILE --input x.npy --out y.npy', 'run the graph (or up to --output) on a .npy batch', RUN),
    '', usage('onnx export --learner F --out model.onnx', 'export a learner to ONNX (binary parts as their float simulation with Sign; deploy binary nets with `bitspike bnn export`)', EXPORT),
    '', `supported operators: ${SUPPORTED_OPS.join(', ')}`,
  ].join('\n');
}

function oneFile(cmd: string, positional: string[]): string {
  if (positional.length !== 1) throw new UsageError(`onnx ${cmd}`, `expected one ONNX file, got ${positional.length ? positional.join(' ') : 'none'}`);
  return positional[0];
}

function shapeFlag(cmd: string, v: unknown): number[] | undefined {
  if (v === undefined) return undefined;
  const s = String(v).split(/[,x×]/).map((d) => Number(d.trim()));
  if (s.length === 0 || s.some((d) => !Number.isInteger(d) || d < 1)) throw new UsageError(`onnx ${cmd}`, `--input-shape expects positive integers like 1,3,224,224, got '${String(v)}'`);
  return s;
}

function declaredShape(m: OnnxModel): number[] | null {
  const dims = m.inputs[0].dims;
  if (!dims) return null;
  const s = dims.map((d, i) => (i === 0 ? 1 : typeof d === 'number' && d > 0 ? d : NaN));
  return s.some(Number.isNaN) ? null : s;
}

async function info(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs('onnx info', argv, INFO);
  if (flags.help) { console.log(usage('onnx info FILE', summary, INFO)); return 0; }
  const file = oneFile('info', positional);
  const m = readOnnxFile(file);
  const cut = resolveCut(m, flags.cut as string | undefined);
  const shape = shapeFlag('info', flags['input-shape']) ?? declaredShape(m);
  let cutShape: readonly number[] | null = null, outputShapes: (readonly number[] | null)[] = m.outputs.map(() => null), fused = 0, planError: string | null = null;
  if (shape) {
    try {
      const runner = new OnnxRunner(m, [cut.value]);
      fused = runner.fusedBatchNorms;
      const p = runner.plan(shape, [cut.value, ...m.outputs.map((o) => o.name)]);
      cutShape = p.shapes.get(cut.value) ?? null;
      outputShapes = m.outputs.map((o) => p.shapes.get(o.name) ?? null);
    } catch (e) { planError = (e as Error).message; }
  } else planError = 'the input has symbolic dimensions besides the batch: pass --input-shape';
  const params = parameterCount(m);
  const report = {
    file, irVersion: m.irVersion, opset: m.opset, producer: m.producer,
    inputs: m.inputs.map((i) => ({ name: i.name, dims: i.dims })),
    outputs: m.outputs.map((o, k) => ({ name: o.name, dims: o.dims, planned: outputShapes[k] })),
    operators: Object.fromEntries(operatorCounts(m)), nodes: m.nodes.length,
    parameters: params, bits: 32 * params,
    cut: { value: cut.value, reason: cut.reason, shape: cutShape, plannedFor: shape },
    batchNormsFolded: fused, planError,
  };
  if (flags.json) { console.log(JSON.stringify(report, null, 2)); return planError ? 1 : 0; }
  const dims = (d: readonly unknown[] | null) => (d ? `[${d.map((x) => x ?? '?').join(', ')}]` : '[?]');
  console.log([
    `${file}: ONNX ir ${m.irVersion}, opset ${m.opset}${m.producer ? `, from ${m.producer}` : ''}`,
    `inputs:  ${m.inputs.map((i) => `${i.name} ${dims(i.dims)}`).join(', ')}`,
    `outputs: ${m.outputs.map((o, k) => `${o.name} ${dims(o.dims)}${outputShapes[k] ? ` → ${dims(outputShapes[k])}` : ''}`).join(', ')}`,
    `operators (${m.nodes.length} nodes): ${[...operatorCounts(m)].map(([k, v]) => `${k}×${v}`).join(', ')}`,
    `weights: ${params} float parameters = ${32 * params} bits at 32 bits (${(4 * params / 1024).toFixed(1)} KiB)`,
    `default cut: ${cut.reason}${cutShape ? ` → features ${dims(cutShape)} for input ${dims(shape)}` : ''}`,
    ...(fused ? [`BatchNormalization folded into convs: ${fused}`] : []),
    ...(planError ? [`cannot plan: ${planError}`] : []),
  ].join('\n'));
  return planError ? 1 : 0;
}

function readNpyFile(file: string, flag: string) {
  let b: Buffer;
  try { b = fs.readFileSync(file); } catch (e) { throw new UsageError('onnx run', `${flag} ${file}: cannot read (${(e as Error).message})`); }
  return readNpy(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), file);
}

async function runCmd(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs('onnx run', argv, RUN);
  if (flags.help) { console.log(usage('onnx run FILE --input x.npy --out y.npy', summary, RUN)); return 0; }
  const file = oneFile('run', positional);
  if (!flags.input) throw new UsageError('onnx run', '--input x.npy is required');
  if (!flags.out) throw new UsageError('onnx run', '--out y.npy is required');
  const m = readOnnxFile(file);
  const x = readNpyFile(flags.input as string, '--input');
  const target = flags.output ? resolveCut(m, flags.output as string).value : m.outputs[0].name;
  const runner = new OnnxRunner(m, [target]);
  runner.plan(x.shape, [target]);
  const threads = await useKernelThreads('onnx run', flags);
  try {
    const t0 = performance.now();
    const y = runner.run(x.data, x.shape, [target]).get(target)!;
    const ms = performance.now() - t0;
    const data = y.data instanceof Float32Array ? y.data : Float32Array.from(y.data);
    writeFileAtomic(flags.out as string, writeNpy(y.shape, data));
    console.log(JSON.stringify({ model: file, input: flags.input, inputShape: x.shape, output: target, shape: y.shape, out: flags.out, ms: Math.round(ms * 10) / 10, threads }));
  } finally {
    await setThreads(1);
  }
  return 0;
}

async function exportCmd(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgs('onnx export', argv, EXPORT);
  if (flags.help) { console.log(usage('onnx export --learner F --out model.onnx', summary, EXPORT)); return 0; }
  if (positional.length) throw new UsageError('onnx export', `unexpected argument '${positional[0]}' (use --learner and --out)`);
  const file = flags.learner as string | undefined;
  if (!file) throw new UsageError('onnx export', '--learner FILE is required');
  if (!flags.out) throw new UsageError('onnx export', '--out model.onnx is required');
  let bytes: Buffer;
  try { bytes = fs.readFileSync(file); } catch (e) { throw new UsageError('onnx export', `--learner ${file}: cannot read (${(e as Error).message})`); }
  const lf = decodeLearnerFile(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
  // A learner on an imported encoder needs that model registered before it is rebuilt.
  const mc = lf.spec.model;
  if (mc.kind === 'onnx' && !registeredOnnxModel(mc.file)) registerOnnxModel(mc.file, readOnnxFile(mc.file));
  const learner = restoreLearner(lf, file);
  const onnx = exportOnnx(learner.net.eval(), {
    inputShape: [lf.spec.inputDim],
    doc: `bitspike learner ${file}: ${learner.net.describe()}; input: pixel rows (NHWC, pixels/255); outputs: logits of classes ${JSON.stringify(learner.classMap)}`,
  });
  writeFileAtomic(flags.out as string, onnx);
  console.log(JSON.stringify({ learner: file, out: flags.out, bytes: onnx.length, inputDim: lf.spec.inputDim, classes: learner.classMap, model: learner.net.describe() }));
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'info': return info(rest);
    case 'run': return runCmd(rest);
    case 'export': return exportCmd(rest);
    case undefined: case '--help': case 'help': console.log(help()); return sub ? 0 : 2;
    default: throw new UsageError('onnx', `unknown subcommand '${sub}' (known: info, run, export)`);
  }
}
