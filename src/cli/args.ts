// Minimal, strict flag parser: every flag must be declared; unknown flags and missing values are
// errors that name the flag, so a typo never silently falls back to a default.

export type FlagKind = 'string' | 'number' | 'boolean';
export interface FlagSpec { kind: FlagKind; help: string; default?: string | number | boolean }
export type FlagSpecs = Record<string, FlagSpec>;
export type ParsedFlags = Record<string, string | number | boolean | undefined>;

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseArgs(command: string, argv: readonly string[], specs: FlagSpecs): { flags: ParsedFlags; positional: string[] } {
  const flags: ParsedFlags = {};
  for (const [k, s] of Object.entries(specs)) flags[k] = s.default;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) { positional.push(a); continue; }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const spec = specs[name];
    if (!spec) {
      const known = Object.keys(specs).map((k) => `--${k}`).join(', ');
      throw new UsageError(`${command}: unknown flag --${name} (known: ${known || 'none'})`);
    }
    if (spec.kind === 'boolean') {
      if (eq >= 0) {
        const v = a.slice(eq + 1);
        if (v !== 'true' && v !== 'false') throw new UsageError(`${command}: --${name} expects true or false, got '${v}'`);
        flags[name] = v === 'true';
      } else flags[name] = true;
      continue;
    }
    let v: string | undefined;
    if (eq >= 0) v = a.slice(eq + 1);
    else { v = argv[i + 1]; i++; }
    if (v === undefined) throw new UsageError(`${command}: --${name} expects a ${spec.kind} value`);
    if (spec.kind === 'number') {
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${command}: --${name} expects a number, got '${v}'`);
      flags[name] = n;
    } else flags[name] = v;
  }
  return { flags, positional };
}

export function usage(command: string, summary: string, specs: FlagSpecs): string {
  const lines = [`usage: bitspike ${command} [flags]`, '', summary, ''];
  for (const [k, s] of Object.entries(specs)) {
    const def = s.default === undefined ? '' : ` (default: ${s.default})`;
    lines.push(`  --${k}${s.kind === 'boolean' ? '' : ` <${s.kind}>`}  ${s.help}${def}`);
  }
  return lines.join('\n');
}
