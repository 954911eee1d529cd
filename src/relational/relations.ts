// Relations between three circular variables A, B, C ∈ [0, 1). Each is solvable for any one variable
// given the other two, so one network can be trained to infer in every direction.

export interface Relation {
  readonly name: string;
  readonly formula: string;
  /** C as a function of A and B. */
  c(a: number, b: number): number;
}

const mod1 = (x: number): number => ((x % 1) + 1) % 1;

export const RELATIONS: Record<string, Relation> = {
  'add-mod': { name: 'add-mod', formula: 'C = (A + B) mod 1', c: (a, b) => mod1(a + b) },
  'sub-mod': { name: 'sub-mod', formula: 'C = (A − B) mod 1', c: (a, b) => mod1(a - b) },
  'neg-sum-mod': { name: 'neg-sum-mod', formula: 'A + B + C ≡ 0 (mod 1)', c: (a, b) => mod1(-a - b) },
};

export function relation(name: string): Relation {
  const r = RELATIONS[name];
  if (!r) throw new RangeError(`unknown relation '${name}' (known: ${Object.keys(RELATIONS).join(', ')})`);
  return r;
}
