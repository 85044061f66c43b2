import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse';
import type { Clock, IdentifierHashKey, Logger } from '@leadgraph/platform';
import type { ContactDocument, ContactIdentifierDocument, ContactIdentifierModel, ContactModel, DataSource } from '../contacts/contact.model';
import { hashIdentifiers, type HashedIdentifier } from '../contacts/contact.rules';
import {
  csvColumnField,
  emptySummary,
  mergeRecord,
  parseContactRow,
  recordIdentifiers,
  type ImportSummary,
  type IngestRecord,
  type InvalidRow,
} from './ingestion.rules';

/** A row as read from a file: its raw fields, or why it could not even be read. */
export type SourceRow = { line: number; raw: unknown } | { line: number; unreadable: InvalidRow };

export interface ReadProgress {
  bytesRead: number;
  totalBytes: number;
}

/** Which suppressed hashes are among these (the suppression feature answers; CON-08). */
export interface SuppressionCheck {
  suppressedAmong(hashes: string[]): Promise<Set<string>>;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/** NDJSON: one JSON object per line; a line that is not UTF-8 or not JSON is reported, never fatal. */
async function* ndjsonRows(stream: AsyncIterable<Buffer>): AsyncGenerator<SourceRow> {
  let pending: Buffer = Buffer.alloc(0);
  let line = 0;
  const rowOf = (bytes: Buffer, lineNumber: number): SourceRow | null => {
    const text = decodeUtf8(bytes);
    if (text === null) return { line: lineNumber, unreadable: { line: lineNumber, field: 'encoding', message: 'encoding: the line is not valid UTF-8' } };
    if (text.trim() === '') return null;
    try {
      return { line: lineNumber, raw: JSON.parse(text) as unknown };
    } catch {
      return { line: lineNumber, unreadable: { line: lineNumber, field: 'json', message: 'json: the line is not a JSON object' } };
    }
  };
  for await (const chunk of stream) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let newline = pending.indexOf(0x0a);
    while (newline !== -1) {
      line += 1;
      const row = rowOf(pending.subarray(0, newline), line);
      if (row) yield row;
      pending = pending.subarray(newline + 1);
      newline = pending.indexOf(0x0a);
    }
  }
  if (pending.length > 0) {
    const row = rowOf(pending, line + 1);
    if (row) yield row;
  }
}

/**
 * CSV with a header row. Cells are read as bytes and decoded strictly, so a row with a broken
 * encoding is reported with its line instead of being imported as mojibake.
 */
async function* csvRows(stream: AsyncIterable<Buffer>): AsyncGenerator<SourceRow> {
  const parser = parseCsv({ encoding: null, info: true, bom: true, relax_column_count: true, skip_empty_lines: true, relax_quotes: true });
  const records = (async function* feed() {
    yield* parser;
  })();
  // Feed the parser from the file while rows are consumed.
  const pump = (async () => {
    for await (const chunk of stream) {
      if (!parser.write(chunk)) await new Promise((resolve) => parser.once('drain', resolve));
    }
    parser.end();
  })().catch((error: unknown) => parser.destroy(error instanceof Error ? error : new Error(String(error))));
  let columns: Array<string | null> | null = null;
  let unknownColumn: string | null = null;
  for await (const entry of records as AsyncIterable<{ record: Buffer[]; info: { lines: number } }>) {
    const line = entry.info.lines;
    const cells = entry.record.map((cell) => decodeUtf8(cell));
    if (columns === null) {
      if (cells.some((cell) => cell === null)) throw new Error('the CSV header is not valid UTF-8');
      const headers = cells as string[];
      columns = headers.map(csvColumnField);
      const unknownIndex = columns.indexOf(null);
      unknownColumn = unknownIndex === -1 ? null : (headers[unknownIndex] ?? null);
      continue;
    }
    if (unknownColumn !== null) {
      yield { line, unreadable: { line, field: unknownColumn, message: `${unknownColumn}: unknown column` } };
      continue;
    }
    const broken = cells.findIndex((cell) => cell === null);
    if (broken !== -1) {
      const field = columns[broken] ?? `column ${broken + 1}`;
      yield { line, unreadable: { line, field, message: `${field}: not valid UTF-8 (broken encoding)` } };
      continue;
    }
    if (cells.length !== columns.length) {
      yield { line, unreadable: { line, field: 'row', message: `row: has ${cells.length} cells, the header has ${columns.length}` } };
      continue;
    }
    const raw: Record<string, string> = {};
    columns.forEach((field, index) => {
      const cell = cells[index];
      if (field && cell !== null && cell !== undefined && cell.trim() !== '') raw[field] = cell;
    });
    yield { line, raw };
  }
  await pump;
}

/** Rows of an import file, by extension: `.csv`, or `.ndjson`/`.jsonl`. */
export function readImportFile(file: string, onProgress?: (progress: ReadProgress) => void): AsyncGenerator<SourceRow> {
  const extension = path.extname(file).toLowerCase();
  const totalBytes = fs.statSync(file).size;
  let bytesRead = 0;
  const stream = fs.createReadStream(file);
  const counted = (async function* count() {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytesRead += chunk.length;
      onProgress?.({ bytesRead, totalBytes });
      yield chunk;
    }
  })();
  if (extension === '.csv') return csvRows(counted);
  if (extension === '.ndjson' || extension === '.jsonl') return ndjsonRows(counted);
  throw new Error(`unsupported file type ${extension || '(none)'}: use .csv, .ndjson or .jsonl`);
}

interface Hashed {
  record: IngestRecord;
  hashes: HashedIdentifier[];
}

interface Pending {
  doc: ContactDocument;
  /** Revision read from the database; null for a contact created by this batch. */
  baseRevision: number | null;
  records: Hashed[];
}

/**
 * Bulk ingestion (CON-07) in batches: a few indexed reads and bulk writes per batch, whatever
 * its size. Rows are de-duplicated on their identifiers' keyed hashes (normalised e-mail, E.164
 * phone, profile URL), against the database and within the file; suppressed people are skipped
 * (CON-08); a refresh keeps each datum's provenance.
 */
export class IngestionService {
  constructor(
    private readonly contacts: ContactModel,
    private readonly identifiers: ContactIdentifierModel,
    private readonly suppressions: SuppressionCheck,
    private readonly hashKey: IdentifierHashKey,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly newId: () => string = () => `c${randomBytes(12).toString('hex')}`,
  ) {}

  async importRows(
    rows: AsyncIterable<SourceRow>,
    options: { source: DataSource; batchSize?: number; onBatch?: (summary: ImportSummary) => void },
  ): Promise<ImportSummary> {
    const summary = emptySummary();
    const batchSize = options.batchSize ?? 500;
    let batch: IngestRecord[] = [];
    for await (const row of rows) {
      summary.read += 1;
      if ('unreadable' in row) {
        summary.invalid.push(row.unreadable);
        continue;
      }
      const outcome = parseContactRow(row.raw, row.line, { source: options.source });
      if (!outcome.ok) {
        summary.invalid.push(outcome.invalid);
        continue;
      }
      batch.push(outcome.record);
      if (batch.length >= batchSize) {
        await this.importBatch(batch, summary, 0);
        batch = [];
        options.onBatch?.(summary);
      }
    }
    if (batch.length > 0) await this.importBatch(batch, summary, 0);
    options.onBatch?.(summary);
    summary.invalid.sort((a, b) => a.line - b.line);
    return summary;
  }

  private async importBatch(batch: IngestRecord[], summary: ImportSummary, attempt: number): Promise<void> {
    const now = this.clock.now();
    const hashed: Hashed[] = batch.map((record) => ({ record, hashes: hashIdentifiers(recordIdentifiers(record), this.hashKey) }));
    const allHashes = [...new Set(hashed.flatMap((entry) => entry.hashes.map((identifier) => identifier.hash)))];
    const suppressed = await this.suppressions.suppressedAmong(allHashes);
    const claims = new Map<string, string>();
    for (const claim of await this.identifiers.find({ _id: { $in: allHashes } }).lean<ContactIdentifierDocument[]>()) claims.set(claim._id, claim.contactId);
    const loaded = new Map<string, ContactDocument>();
    for (const contact of await this.contacts.find({ _id: { $in: [...new Set(claims.values())] } }).lean<ContactDocument[]>()) loaded.set(contact._id, contact);
    // A claim whose contact is gone (deleted, or a crash before the contact was written) is free again.
    const orphans = [...claims.entries()].filter(([, contactId]) => !loaded.has(contactId));
    for (const [hash] of orphans) claims.delete(hash);

    const pending = new Map<string, Pending>();
    const newClaims: ContactIdentifierDocument[] = [];
    for (const entry of hashed) {
      if (entry.hashes.some((identifier) => suppressed.has(identifier.hash))) {
        summary.skippedSuppressed += 1;
        continue;
      }
      const matchId = entry.hashes.map((identifier) => claims.get(identifier.hash)).find((id): id is string => id !== undefined) ?? null;
      const current = matchId ? (pending.get(matchId) ?? null) : null;
      const base = current?.doc ?? (matchId ? (loaded.get(matchId) ?? null) : null);
      // Identifiers another contact already holds stay with it: one identifier, one person.
      const foreign = new Set(entry.hashes.filter((identifier) => claims.has(identifier.hash) && claims.get(identifier.hash) !== matchId).map((identifier) => identifier.hash));
      const record = foreign.size === 0 ? entry.record : this.withoutIdentifiers(entry.record, foreign);
      const doc = mergeRecord(base, record, { id: matchId ?? this.newId(), now });
      pending.set(doc._id, { doc, baseRevision: current ? current.baseRevision : (loaded.get(doc._id)?.revision ?? null), records: [...(current?.records ?? []), entry] });
      if (matchId) summary.updated += 1;
      else summary.inserted += 1;
      for (const identifier of entry.hashes) {
        if (claims.has(identifier.hash) || foreign.has(identifier.hash)) continue;
        claims.set(identifier.hash, doc._id);
        newClaims.push({ _id: identifier.hash, kind: identifier.kind, keyVersion: identifier.keyVersion, contactId: doc._id });
      }
    }

    if (orphans.length > 0) {
      await this.identifiers.deleteMany({ $or: orphans.map(([hash, contactId]) => ({ _id: hash, contactId })) });
    }
    if (newClaims.length > 0) {
      await this.identifiers.insertMany(newClaims, { ordered: false }).catch((error: unknown) => {
        // Another import claimed some identifiers meanwhile: theirs stays theirs.
        this.logger.warn({ err: error }, 'some identifiers were claimed concurrently');
      });
    }
    const created = [...pending.values()].filter((entry) => entry.baseRevision === null).map((entry) => entry.doc);
    if (created.length > 0) await this.contacts.insertMany(created, { ordered: false });
    const refreshed = [...pending.values()].filter((entry) => entry.baseRevision !== null);
    if (refreshed.length > 0) {
      await this.contacts.bulkWrite(
        refreshed.map((entry) => ({ replaceOne: { filter: { _id: entry.doc._id, revision: entry.baseRevision }, replacement: entry.doc } })),
        { ordered: false },
      );
      const written = await this.contacts
        .find({ _id: { $in: refreshed.map((entry) => entry.doc._id) } }, { revision: 1 })
        .lean<Array<{ _id: string; revision: number }>>();
      const revisionOf = new Map(written.map((contact) => [contact._id, contact.revision]));
      const conflicts = refreshed.filter((entry) => revisionOf.get(entry.doc._id) !== entry.doc.revision);
      if (conflicts.length > 0) await this.retryConflicts(conflicts, summary, attempt);
    }
    await this.dropNewlySuppressed(pending, suppressed, summary);
  }

  /** Someone else wrote these contacts between our read and our write: replay their rows on fresh data. */
  private async retryConflicts(conflicts: Pending[], summary: ImportSummary, attempt: number): Promise<void> {
    const records = conflicts.flatMap((entry) => entry.records.map((hashed) => hashed.record));
    summary.updated -= records.length;
    if (attempt < 3) {
      await this.importBatch(records, summary, attempt + 1);
      return;
    }
    for (const record of records) {
      summary.invalid.push({ line: record.line, field: 'row', message: 'row: the contact kept changing during the import; run it again' });
    }
  }

  /**
   * An opt-out may land between our suppression check and our writes. The opt-out handler
   * writes the suppression before it looks for contacts, and we look again after writing: one
   * of the two always sees the other, so the person never stays in the database (CON-08).
   */
  private async dropNewlySuppressed(pending: Map<string, Pending>, known: Set<string>, summary: ImportSummary): Promise<void> {
    const written = [...pending.values()];
    const hashes = written.flatMap((entry) => entry.records.flatMap((record) => record.hashes.map((identifier) => identifier.hash))).filter((hash) => !known.has(hash));
    if (hashes.length === 0) return;
    const now = await this.suppressions.suppressedAmong(hashes);
    if (now.size === 0) return;
    for (const entry of written) {
      if (!entry.records.some((record) => record.hashes.some((identifier) => now.has(identifier.hash)))) continue;
      await this.contacts.deleteOne({ _id: entry.doc._id });
      await this.identifiers.deleteMany({ contactId: entry.doc._id });
      summary.skippedSuppressed += entry.records.length;
      // A contact this batch created counted its first row as inserted, the others as updated.
      if (entry.baseRevision === null) {
        summary.inserted -= 1;
        summary.updated -= entry.records.length - 1;
      } else {
        summary.updated -= entry.records.length;
      }
    }
  }

  private withoutIdentifiers(record: IngestRecord, foreignHashes: Set<string>): IngestRecord {
    const keep = (kind: HashedIdentifier['kind'], value: string) =>
      !hashIdentifiers([{ kind, value }], this.hashKey).some((identifier) => foreignHashes.has(identifier.hash));
    const profileUrlValue = record.profileUrl ? recordIdentifiers({ ...record, professionalEmails: [], directEmails: [], phones: [] })[0]?.value : undefined;
    return {
      ...record,
      professionalEmails: record.professionalEmails.filter((email) => keep('EMAIL', email.value)),
      directEmails: record.directEmails.filter((email) => keep('EMAIL', email.value)),
      phones: record.phones.filter((phone) => keep('PHONE', phone.value)),
      profileUrl: profileUrlValue && !keep('PROFILE_URL', profileUrlValue) ? null : record.profileUrl,
    };
  }
}
