// Minimal, strict flag parser: every flag must be declared; unknown flags, missing values, a value
// that is itself a flag (`--data-dir --no-cache`) and a single-value flag given twice are errors that
// name the flag, so a typo never silently falls back to a default or to the last value given.

export type FlagKind = 'string' | 'number' | 'boolean';
export interface FlagSpec {
  kind: FlagKind;
  help: string;
  default?: string | number | boolean;
  /** May be given several times (string flags only): the values come back in order as string[]. */
  repeatable?: boolean;
}
export type FlagSpecs = Record<string, FlagSpec>;
export type ParsedFlags = Record<string, string | number | boolean | string[] | undefined>;

/**
 * A usage or configuration error of one command (exit status 2). `command` is the command as typed
 * after `bitspike` (e.g. 'bnn train'); the message reads `<command>: <detail>` and main.ts prints it
 * as `bitspike <command>: <detail>` with a pointer to that command's --help.
 */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(readonly command: string, readonly detail: string) {
    super(`${command}: ${detail}`);
  }
}

export function parseArgs(command: string, argv: readonly string[], specs: FlagSpecs): { flags: ParsedFlags; positional: string[] } {
  const flags: ParsedFlags = {};
  for (const [k, s] of Object.entries(specs)) {
    if (s.repeatable && s.kind !== 'string') throw new TypeError(`flag --${k}: only string flags can repeat`);
    flags[k] = s.repeatable ? [] : s.default;
  }
  const seen = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) { positional.push(a); continue; }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const spec = specs[name];
    if (!spec) {
      const known = Object.keys(specs).map((k) => `--${k}`).join(', ');
      throw new UsageError(command, `unknown flag --${name} (known: ${known || 'none'})`);
    }
    if (seen.has(name) && !spec.repeatable) throw new UsageError(command, `--${name} is given more than once (it takes one value)`);
    seen.add(name);
    if (spec.kind === 'boolean') {
      if (eq >= 0) {
        const v = a.slice(eq + 1);
        if (v !== 'true' && v !== 'false') throw new UsageError(command, `--${name} expects true or false, got '${v}'`);
        flags[name] = v === 'true';
      } else flags[name] = true;
      continue;
    }
    let v: string | undefined;
    if (eq >= 0) v = a.slice(eq + 1);
    else {
      v = argv[i + 1];
      i++;
      // `--out --quiet` almost always means a forgotten value; `--out=--quiet` says it on purpose.
      if (v !== undefined && v.startsWith('--')) throw new UsageError(command, `--${name} expects a ${spec.kind} value, got the flag '${v}' (write --${name}=${v} if that is the value)`);
    }
    if (v === undefined) throw new UsageError(command, `--${name} expects a ${spec.kind} value`);
    if (spec.kind === 'number') {
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(command, `--${name} expects a number, got '${v}'`);
      flags[name] = n;
    } else if (spec.repeatable) (flags[name] as string[]).push(v);
    else flags[name] = v;
  }
  return { flags, positional };
}

/** The `--set path=value` flag, the same for every command that overrides config values. */
export const SET_FLAG: FlagSpec = { kind: 'string', repeatable: true, help: 'override a config value, e.g. --set training.epochs=3 (repeatable; value parsed as JSON when it parses)' };

/**
 * The `--set` assignments of parsed flags, each checked to read `path=value` with a dotted path of
 * non-empty keys (the value itself is parsed when applied, by cil/config.ts applyOverride).
 */
export function setOverrides(command: string, flags: ParsedFlags, name = 'set'): string[] {
  const sets = flags[name];
  if (sets === undefined) return [];
  if (!Array.isArray(sets)) throw new TypeError(`flag --${name} is not declared repeatable`);
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0 || s.slice(0, eq).split('.').some((k) => k === '')) {
      throw new UsageError(command, `--${name} expects path=value (e.g. training.epochs=3), got '${s}'`);
    }
  }
  return sets;
}

export function usage(command: string, summary: string, specs: FlagSpecs): string {
  const lines = [`usage: bitspike ${command} [flags]`, '', summary, ''];
  for (const [k, s] of Object.entries(specs)) {
    const def = s.default === undefined ? '' : ` (default: ${s.default})`;
    lines.push(`  --${k}${s.kind === 'boolean' ? '' : ` <${s.kind}>`}${s.repeatable ? '...' : ''}  ${s.help}${def}`);
  }
  return lines.join('\n');
}
