#!/usr/bin/env node
import { commands } from './commands.js';
import { UsageError } from './args.js';
import { BudgetError } from '../cil/budget.js';
import { ConfigError } from '../cil/schema.js';

/** Exit status of a usage or configuration error (bad flag, bad config value, impossible budget). */
const EXIT_USAGE = 2;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const lines = ['usage: bitspike <command> [flags]   (bitspike <command> --help for its flags)', '', 'commands:'];
    for (const [n, load] of Object.entries(commands)) lines.push(`  ${n.padEnd(12)} ${(await load()).summary}`);
    (name ? console.log : console.error)(lines.join('\n'));
    return name ? 0 : EXIT_USAGE;
  }
  const load = commands[name];
  if (!load) {
    console.error(`bitspike: unknown command '${name}' (known: ${Object.keys(commands).join(', ')})\n(see bitspike --help)`);
    return EXIT_USAGE;
  }
  try {
    return await (await load()).run(rest);
  } catch (err) {
    // One shape for every usage or configuration error: `bitspike <command>: <message>`, then where
    // to read the command's flags.
    if (err instanceof UsageError) {
      console.error(`bitspike ${err.message}\n(see bitspike ${err.command} --help)`);
      return EXIT_USAGE;
    }
    if (err instanceof ConfigError || err instanceof BudgetError) {
      console.error(`bitspike ${name}: ${err.message}\n(see bitspike ${name} --help)`);
      return EXIT_USAGE;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    console.error(err instanceof Error ? `bitspike: ${err.message}` : err);
    if (process.env.BITSPIKE_DEBUG && err instanceof Error) console.error(err.stack);
    process.exitCode = 1;
  },
);
