import path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { connectMongo, createLogger, systemClock } from '@leadgraph/platform';
import { loadContactsConfig } from './config';
import { contactIdentifierModel, contactModel, dataSourceKinds, type DataSource } from './contacts/contact.model';
import { doNotCallModel } from './do-not-call/do-not-call.model';
import { DoNotCallService } from './do-not-call/do-not-call.service';
import { formatSummary } from './ingestion/ingestion.rules';
import { IngestionService, readImportFile } from './ingestion/ingestion.service';
import { suppressionCaseModel, suppressionModel } from './suppression/suppression.model';
import { SuppressionService } from './suppression/suppression.service';

const USAGE = `usage:
  npm run contacts:import -- <file.ndjson|file.jsonl|file.csv> [--source PARTNER:<name>|PUBLIC_SOURCE:<name>] [--batch 500]
  npm run contacts:import -- --do-not-call <COUNTRY> <numbers.txt>`;

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index === -1 ? undefined : args[index + 1];
}

function sourceOf(spec: string | undefined, file: string): DataSource {
  if (!spec) return { kind: 'PARTNER', name: path.basename(file) };
  const [kind, ...name] = spec.split(':');
  if (!(dataSourceKinds as readonly string[]).includes(kind ?? '') || name.join(':').trim() === '') {
    throw new Error(`--source must be PARTNER:<name> or PUBLIC_SOURCE:<name> (users' data about themselves is never imported)`);
  }
  return { kind: kind as DataSource['kind'], name: name.join(':').trim() };
}

/** `npm run contacts:import`: bulk ingestion of profiles (CON-07) or of a national do-not-call list. */
async function main(args: string[]): Promise<number> {
  const config = loadContactsConfig();
  const logger = createLogger({ name: 'contacts-import', level: config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL });
  const connection = await connectMongo(config.MONGO_URL, config.MONGO_DB);
  try {
    const country = option(args, '--do-not-call');
    if (country !== undefined) {
      const file = args.filter((arg) => !arg.startsWith('--') && arg !== country)[0];
      if (!file) throw new Error(USAGE);
      const numbers = doNotCallModel(connection);
      await numbers.createIndexes();
      const summary = await new DoNotCallService(numbers, systemClock).importFile(country.toUpperCase(), file);
      process.stdout.write(
        [`do-not-call list ${summary.country}: ${summary.listed} numbers listed, ${summary.removed} removed, ${summary.invalid.length} invalid`, ...summary.invalid.slice(0, 50).map((row) => `  line ${row.line}: ${row.message}`)].join('\n') + '\n',
      );
      return 0;
    }
    const valueOptions = new Set([option(args, '--source'), option(args, '--batch')]);
    const file = args.find((arg) => !arg.startsWith('--') && !valueOptions.has(arg));
    if (!file) throw new Error(USAGE);
    const source = sourceOf(option(args, '--source'), file);
    const batchSize = Number(option(args, '--batch') ?? 500);
    const hashKey = { secret: config.IDENTIFIER_HASH_KEY, version: config.IDENTIFIER_HASH_KEY_VERSION };
    const contacts = contactModel(connection);
    const identifiers = contactIdentifierModel(connection);
    for (const model of [contacts, identifiers, suppressionModel(connection)]) await model.createIndexes();
    const suppression = new SuppressionService(suppressionModel(connection), suppressionCaseModel(connection), contacts, identifiers, hashKey, systemClock, logger);
    const ingestion = new IngestionService(contacts, identifiers, suppression, hashKey, systemClock, logger);

    const bar = new SingleBar({ format: 'importing [{bar}] {percentage}% | {value}/{total} KiB | {rows} rows', hideCursor: true }, Presets.shades_classic);
    bar.start(1, 0, { rows: 0 });
    let rowsSoFar = 0;
    const rows = readImportFile(file, (progress) => {
      bar.setTotal(Math.max(1, Math.ceil(progress.totalBytes / 1024)));
      bar.update(Math.ceil(progress.bytesRead / 1024), { rows: rowsSoFar });
    });
    const summary = await ingestion.importRows(rows, {
      source,
      batchSize,
      onBatch: (soFar) => {
        rowsSoFar = soFar.read;
        bar.update({ rows: rowsSoFar });
      },
    });
    bar.stop();
    process.stdout.write(`${formatSummary(summary)}\n`);
    return 0;
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2))
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
