// Deployment of a class-incremental learner whose backbone is the fully binary MLP (binary-mlp): its
// thermometer input, binary dense stages and growing binary head are exactly a src/bnn BinaryNet with
// one output per seen class, so the learner becomes a packed integer network (deploy) and a C99
// header + routine (exportC) — the same files `bitspike bnn export` writes — with the learner's class
// map as the output → class id table. A class learned in the browser can run on a microcontroller.
import { BinaryNet } from '../bnn/binaryNet.js';
import { deploy, type DeployedModel } from '../bnn/deploy.js';
import { exportC, type CExport } from '../bnn/exportC.js';
import { Rng } from '../engine/random.js';
import { binaryMlpSpec, binaryNetOf } from './backbones/binaryMlp.js';
import { GrowingBinaryHead } from './backbones/head.js';
import type { Learner } from './learner.js';

export interface DeployedLearner {
  model: DeployedModel;
  /** Class id of each output unit (the learner's class map at export time). */
  classIds: number[];
}

/** The learner as a BinaryNet with `seenClasses` outputs (float simulation; weights copied, not shared). */
export function binaryNetOfLearner(learner: Learner): BinaryNet {
  const net = learner.net, config = net.config;
  if (config.kind !== 'binary-mlp') throw new TypeError(`export: only a binary-mlp learner deploys as a binary network, this one's model.kind is '${config.kind}'`);
  if (learner.strategy.predict) throw new TypeError(`export: strategy '${learner.strategy.name}' predicts with its own rule, not the head's argmax; only head-argmax learners deploy`);
  const classes = learner.seenClasses;
  if (classes === 0) throw new Error('export: the learner has not learned any class yet');
  const source = binaryNetOf(net.encoder) ?? binaryNetOf(net.trunk);
  const head = net.head;
  if (!source || !(head instanceof GrowingBinaryHead) || head.outputs !== classes) throw new Error('export: the learner\'s network is not a binary MLP with one head row per seen class');
  // The weights are overwritten below; the Rng only satisfies the constructor.
  const out = new BinaryNet(binaryMlpSpec(config, net.inputDim, classes), new Rng(0));
  source.stages.forEach((s, i) => {
    const t = out.stages[i];
    if (s.kind === 'dense' && t.kind === 'dense') {
      t.dense.weight.f32.set(s.dense.weight.f32);
      t.act.gain.f32.set(s.act.gain.f32);
      t.act.bias.f32.set(s.act.bias.f32);
    } else if (s.kind !== 'output' || t.kind !== 'output') {
      throw new Error(`export: stage ${i} of the learner (${s.kind}) does not match the binary MLP spec (${t.kind})`);
    }
  });
  const o = out.stages[out.stages.length - 1];
  if (o.kind !== 'output') throw new Error('export: the binary MLP spec does not end with an output layer');
  // Head row u is output unit u; the learner maps it to class id classMap[u].
  o.dense.weight.f32.set(head.weight.f32);
  return out;
}

/** The learner as a packed integer network plus its output → class id table. */
export function deployBinaryLearner(learner: Learner): DeployedLearner {
  return { model: deploy(binaryNetOfLearner(learner)), classIds: [...learner.classMap] };
}

/** `<name>.h` and `<name>.c`: the C99 inference routine of a binary-mlp learner, with `<NAME>_CLASS_IDS`. */
export function exportBinaryLearnerC(learner: Learner, name = 'bnn'): CExport {
  const { model, classIds } = deployBinaryLearner(learner);
  return exportC(model, name, classIds);
}
