// A small declarative validator for JSON configs: every object lists its keys, unknown keys are
// errors naming the full path and the known keys, and defaults fill what is missing.

export type Field =
  | { kind: 'number'; default?: number | null; int?: boolean; min?: number; max?: number; nullable?: boolean; help?: string }
  | { kind: 'string'; default?: string | null; enum?: readonly string[]; nullable?: boolean; help?: string }
  | { kind: 'boolean'; default?: boolean; help?: string }
  | { kind: 'intList'; default?: number[]; min?: number; help?: string }
  | { kind: 'object'; fields: Record<string, Field>; help?: string }
  /** Anything, checked by `check` (which returns the normalised value or throws with a message). */
  | { kind: 'custom'; default?: unknown; check: (v: unknown, path: string) => unknown; help?: string };

export type ObjectFields = Record<string, Field>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const show = (v: unknown): string => JSON.stringify(v) ?? String(v);

export function validateObject(fields: ObjectFields, value: unknown, path: string, ignore: readonly string[] = []): Record<string, unknown> {
  if (value === undefined) value = {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${path}: expected an object, got ${show(value)}`);
  const v = value as Record<string, unknown>;
  for (const k of Object.keys(v)) {
    if (!Object.hasOwn(fields, k) && !ignore.includes(k)) {
      throw new ConfigError(`${path}.${k}: unknown key (known keys of ${path}: ${[...ignore, ...Object.keys(fields)].join(', ')})`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(fields)) out[k] = validateField(f, v[k], `${path}.${k}`);
  return out;
}

export function validateField(f: Field, v: unknown, path: string): unknown {
  if (f.kind === 'object') return validateObject(f.fields, v, path);
  if (v === undefined) {
    if (f.kind === 'custom') return f.default === undefined ? undefined : f.check(f.default, path);
    if (f.default === undefined) throw new ConfigError(`${path}: required`);
    return f.default;
  }
  switch (f.kind) {
    case 'number':
      if (v === null && f.nullable) return null;
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`${path}: expected a number${f.nullable ? ' or null' : ''}, got ${show(v)}`);
      if (f.int && !Number.isInteger(v)) throw new ConfigError(`${path}: expected an integer, got ${v}`);
      if (f.min !== undefined && v < f.min) throw new ConfigError(`${path}: must be ≥ ${f.min}, got ${v}`);
      if (f.max !== undefined && v > f.max) throw new ConfigError(`${path}: must be ≤ ${f.max}, got ${v}`);
      return v;
    case 'string':
      if (v === null && f.nullable) return null;
      if (typeof v !== 'string') throw new ConfigError(`${path}: expected a string, got ${show(v)}`);
      if (f.enum && !f.enum.includes(v)) throw new ConfigError(`${path}: expected one of ${f.enum.join(', ')}, got '${v}'`);
      return v;
    case 'boolean':
      if (typeof v !== 'boolean') throw new ConfigError(`${path}: expected true or false, got ${show(v)}`);
      return v;
    case 'intList':
      if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x) && x >= (f.min ?? -Infinity))) {
        throw new ConfigError(`${path}: expected a list of integers${f.min !== undefined ? ` ≥ ${f.min}` : ''}, got ${show(v)}`);
      }
      return [...v];
    case 'custom':
      return f.check(v, path);
  }
}

/** Lines "key  help (default: …)" for --help output. */
export function describeFields(fields: ObjectFields, prefix = ''): string[] {
  const lines: string[] = [];
  for (const [k, f] of Object.entries(fields)) {
    if (f.kind === 'object') { lines.push(...describeFields(f.fields, `${prefix}${k}.`)); continue; }
    const def = 'default' in f && f.default !== undefined ? ` (default: ${show(f.default)})` : '';
    const choices = f.kind === 'string' && f.enum ? ` [${f.enum.join('|')}]` : '';
    lines.push(`  ${(prefix + k).padEnd(28)} ${f.help ?? ''}${choices}${def}`);
  }
  return lines;
}
