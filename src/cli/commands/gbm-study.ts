// `bitspike gbm-study`: one GBM results-table run (a config, with the base-task model cached and
// reused across strategies and ablations). See docs/results/gbm.md for the commands behind each number.
import { main } from '../../gbm/study.js';

export const summary = 'GBM study run: a config with a cached base-task model, results JSON incl. the exact command';

export function run(argv: string[]): Promise<number> {
  return main(argv);
}
