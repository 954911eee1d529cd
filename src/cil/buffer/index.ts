// Buffer selection policies by name.
import { classBalancedPolicy } from './classBalanced.js';
import { herdingPolicy } from './herding.js';
import type { SelectionPolicy } from './policy.js';
import { randomPolicy } from './randomPolicy.js';
import { reservoirPolicy } from './reservoir.js';

export const POLICIES: Record<string, () => SelectionPolicy> = {
  'class-balanced': classBalancedPolicy,
  random: randomPolicy,
  reservoir: reservoirPolicy,
  herding: herdingPolicy,
};

export const POLICY_NAMES = Object.keys(POLICIES);

export function createPolicy(name: string): SelectionPolicy {
  const make = POLICIES[name];
  if (!make) throw new RangeError(`unknown buffer policy '${name}' (known: ${POLICY_NAMES.join(', ')})`);
  return make();
}

export * from './policy.js';
export * from './store.js';
export * from './codec.js';
export { herdingOrder } from './herding.js';
