import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import readline from 'node:readline';
import { badInput, type Clock } from '@leadgraph/platform';
import type { InvalidRow } from '../ingestion/ingestion.rules';
import type { DoNotCallModel } from './do-not-call.model';
import { parseDoNotCallLine } from './do-not-call.rules';

export interface DoNotCallImportSummary {
  country: string;
  listed: number;
  removed: number;
  invalid: InvalidRow[];
}

/** National do-not-call lists: phones carry the flag of their country's list. */
export class DoNotCallService {
  constructor(
    private readonly numbers: DoNotCallModel,
    private readonly clock: Clock,
  ) {}

  async listed(e164Numbers: string[]): Promise<ReadonlySet<string>> {
    if (e164Numbers.length === 0) return new Set();
    const found = await this.numbers.find({ _id: { $in: [...new Set(e164Numbers)] } }, { _id: 1 }).lean<Array<{ _id: string }>>();
    return new Set(found.map((entry) => entry._id));
  }

  /**
   * Replaces a country's list with the file's numbers (one per line). Numbers are written first,
   * the ones of older imports removed after, so a number on both lists is never briefly callable.
   */
  async importList(country: string, lines: AsyncIterable<string>): Promise<DoNotCallImportSummary> {
    if (!/^[A-Z]{2}$/.test(country)) throw badInput('country', 'country: must be an ISO 3166-1 alpha-2 code in capitals');
    const importId = randomUUID();
    const listedAt = this.clock.now();
    const summary: DoNotCallImportSummary = { country, listed: 0, removed: 0, invalid: [] };
    let batch: string[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await this.numbers.bulkWrite(
        batch.map((e164) => ({ updateOne: { filter: { _id: e164 }, update: { $set: { country, importId, listedAt } }, upsert: true } })),
        { ordered: false },
      );
      summary.listed += batch.length;
      batch = [];
    };
    let lineNumber = 0;
    for await (const line of lines) {
      lineNumber += 1;
      const parsed = parseDoNotCallLine(line, country);
      if (!parsed.ok) summary.invalid.push({ line: lineNumber, field: 'number', message: `number: ${parsed.message}` });
      else if (parsed.e164 !== null) batch.push(parsed.e164);
      if (batch.length >= 1000) await flush();
    }
    await flush();
    const removed = await this.numbers.deleteMany({ country, importId: { $ne: importId } });
    summary.removed = removed.deletedCount;
    return summary;
  }

  async importFile(country: string, file: string): Promise<DoNotCallImportSummary> {
    return this.importList(country, readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity }));
  }
}
