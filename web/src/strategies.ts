// The strategies the app offers (a dropdown). GBM is the default: latent replay whose latent source is
// a per-class Bernoulli mixture over binary codes, i.e. a generator measured in bits instead of stored
// exemplars. When the library registers a dedicated 'gbm' strategy it is used directly; until then
// GBM is latent replay with `source: 'gbm'`. Choices whose strategy is not registered are left out.
import { DEFAULT_BUDGET } from '../../src/cil/budget.js';
import { LATENT_SOURCES } from '../../src/cil/latentSources/index.js';
import { STRATEGIES } from '../../src/cil/strategies/index.js';
import type { BackboneChoice, StrategyChoice } from './protocol.js';


export function strategyChoices(): StrategyChoice[] {
  const gbm: StrategyChoice | null = 'gbm' in STRATEGIES
    ? { id: 'gbm', label: 'GBM: generative binary memory', strategy: { name: 'gbm', options: {} }, budget: DEFAULT_BUDGET, memoryNote: 'per-class Bernoulli mixtures over binary codes (no stored images)' }
    : 'gbm' in LATENT_SOURCES
      ? {
        id: 'gbm', label: 'GBM: latent replay from a generative binary memory',
        strategy: { name: 'latent-replay', options: { source: 'gbm', format: 'binary', layer: 1 } }, budget: DEFAULT_BUDGET,
        memoryNote: 'per-class Bernoulli mixtures over the 1st layer\'s binary codes (no stored images)',
      }
      : null;
  const all: (StrategyChoice | null)[] = [
    gbm,
    {
      id: 'latent-binary', label: 'Latent replay: stored binary codes (50 kb buffer)',
      strategy: { name: 'latent-replay', options: { source: 'buffer', format: 'binary', layer: 1 } },
      budget: { ...DEFAULT_BUDGET, bufferBits: 50_000 }, memoryNote: 'a buffer of real 1-bit latent codes',
    },
    {
      id: 'native-replay', label: 'Native replay: stored 8-bit images (400 kb buffer)',
      strategy: { name: 'native-replay', options: { pixelBits: 8 } },
      budget: { ...DEFAULT_BUDGET, bufferBits: 400_000 }, memoryNote: 'a buffer of real images',
    },
    { id: 'lwf', label: 'LwF: distillation from the previous model', strategy: { name: 'lwf', options: {} }, budget: DEFAULT_BUDGET, memoryNote: 'a frozen copy of the previous model' },
    { id: 'finetune', label: 'Fine-tuning (no memory, forgets)', strategy: { name: 'finetune', options: {} }, budget: DEFAULT_BUDGET, memoryNote: 'nothing besides the model' },
  ];
  return all.filter((c): c is StrategyChoice => c !== null && c.strategy.name in STRATEGIES);
}

/**
 * The strategy entry a choice trains with on a backbone. On the binary backbone GBM models the
 * thermometer-encoded input planes themselves (layer 0: the latent is the 28×28 bit image, as the
 * CLI demo does), so nothing is frozen after the first task; the float MLP has no binary input, so
 * its GBM models the sign codes of the first hidden layer.
 */
export function strategyFor(choice: StrategyChoice, backbone: BackboneChoice): StrategyChoice['strategy'] {
  const s = choice.strategy;
  if (backbone === 'binary' && choice.id === 'gbm') return { name: s.name, options: { ...s.options, layer: 0 } };
  return { name: s.name, options: { ...s.options } };
}
