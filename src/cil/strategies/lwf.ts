// Learning without Forgetting (Li & Hoiem 2017), class-incremental form as in van de Ven & Tolias:
// CE on the current task + α · T²·KL between the previous model's softened outputs and the current
// model's outputs for the old classes, on current-task inputs. The previous model is kept (auxiliary bits).
import { crossEntropy } from '../../engine/ops/loss.js';
import { add, scale } from '../../engine/ops/index.js';
import { noGrad } from '../../engine/tensor.js';
import { distillation } from '../losses.js';
import type { CilNet } from '../model.js';
import type { StrategyEntry } from '../strategy.js';

export interface LwfOptions { alpha: number; temperature: number }

export const lwf: StrategyEntry<LwfOptions> = {
  description: 'Learning without Forgetting: distillation from the previous model on new data',
  options: {
    alpha: { kind: 'number', min: 0, default: 1, help: 'weight of the distillation term' },
    temperature: { kind: 'number', min: 0.01, default: 2, help: 'softmax temperature T' },
  },
  create: (o) => {
    let teacher: CilNet | null = null;
    return {
      name: 'lwf', split: null,
      loss: (learner, batch) => {
        const logits = learner.net.forward(batch.x);
        const ce = crossEntropy(logits, batch.units);
        if (!teacher || o.alpha === 0) return ce;
        const t = teacher;
        const tl = noGrad(() => t.forward(batch.x));
        return add(ce, scale(distillation(logits, tl, o.temperature), o.alpha));
      },
      afterTask: (learner) => { teacher = learner.net.frozenCopy(); },
      auxiliaryBits: (learner, classes) => (teacher ? teacher.parameterBits() : classes === learner.numClasses ? learner.net.bitsWithClasses(classes) : 0),
      state: () => null,
      // The teacher is the model at the end of the previous task: the snapshot's own weights.
      loadState: (_s, learner) => { teacher = learner.tasksLearned > 0 ? learner.net.frozenCopy() : null; },
    };
  },
};
