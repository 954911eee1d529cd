#!/usr/bin/env node
import { commands } from './commands.js';
import { UsageError } from './args.js';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const lines = ['usage: bitspike <command> [flags]   (bitspike <command> --help for its flags)', '', 'commands:'];
    for (const [n, load] of Object.entries(commands)) lines.push(`  ${n.padEnd(12)} ${(await load()).summary}`);
    console.log(lines.join('\n'));
    return name ? 0 : 1;
  }
  const load = commands[name];
  if (!load) {
    console.error(`bitspike: unknown command '${name}' (known: ${Object.keys(commands).join(', ')})`);
    return 2;
  }
  return (await load()).run(rest);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    if (err instanceof UsageError) { console.error(err.message); process.exitCode = 2; return; }
    console.error(err instanceof Error ? `bitspike: ${err.message}` : err);
    if (process.env.BITSPIKE_DEBUG && err instanceof Error) console.error(err.stack);
    process.exitCode = 1;
  },
);
