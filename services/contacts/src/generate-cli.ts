import fs from 'node:fs';
import { once } from 'node:events';
import { systemClock } from '@leadgraph/platform';
import { fakeProfileGenerator } from './fake-profiles/fake-profile.rules';

const USAGE = 'usage: npm run contacts:generate -- --count 100000 --out contacts.ndjson [--seed 42]';

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index === -1 ? undefined : args[index + 1];
}

/** `npm run contacts:generate`: fake profiles as NDJSON, ready for `contacts:import`. */
async function main(args: string[]): Promise<void> {
  const count = Number(option(args, '--count') ?? 1000);
  const out = option(args, '--out');
  const seed = Number(option(args, '--seed') ?? 42);
  if (!out || !Number.isInteger(count) || count < 1 || !Number.isInteger(seed)) throw new Error(USAGE);
  const next = fakeProfileGenerator(seed, systemClock.now());
  const file = fs.createWriteStream(out);
  for (let index = 0; index < count; index += 1) {
    if (!file.write(`${JSON.stringify(next())}\n`)) await once(file, 'drain');
  }
  file.end();
  await once(file, 'finish');
  process.stdout.write(`${count} fake profiles written to ${out}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
