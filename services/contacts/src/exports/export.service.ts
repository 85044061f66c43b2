import type { Response } from 'express';
import { stringify } from 'csv-stringify';
import { createEvent } from '@leadgraph/events';
import { badInput, isDuplicateKeyError, outboxEntry, parseInput, requireScope, type Caller, type Clock, type Logger } from '@leadgraph/platform';
import type { AddressBookService } from '../address-book/address-book.service';
import type { CreditSpending } from '../billing-credits/billing-credits.service';
import type { ContactDocument, ContactModel } from '../contacts/contact.model';
import type { RevealModel, RevealDocument } from '../reveals/reveal.model';
import { revealId, revealScope, revealedFieldsOf, quoteRefusal } from '../reveals/reveal.rules';
import type { ExportDocument, ExportModel } from './export.model';
import { CSV_HEADER, DOWNLOAD_LINK_TTL_MS, MAX_EXPORT_CONTACTS, csvCells, downloadSignature, exportCost, exportIdOf, exportInputSchema, exportRow, verifyDownload } from './export.rules';

export interface ExportReceipt {
  export: ExportDocument;
  downloadUrl: string;
  expiresAt: Date;
}

const BATCH = 200;

/**
 * CON-06: exports cost one export credit per contact, paid through billing with one key per
 * export (a retry is the same export); the file is streamed from a signed, expiring link.
 */
export class ExportService {
  constructor(
    private readonly exports: ExportModel,
    private readonly contacts: ContactModel,
    private readonly reveals: RevealModel,
    private readonly addressBook: AddressBookService,
    private readonly credits: CreditSpending,
    private readonly settings: { linkSecret: string; publicBaseUrl: () => string },
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly nudgeRelay: () => void,
  ) {}

  /** PRV-02 access: the exports (CSV/JSON files, CRM pushes) that included these contacts. */
  async exportsOfContacts(contactIds: string[]): Promise<ExportDocument[]> {
    if (contactIds.length === 0) return [];
    return this.exports.find({ contactIds: { $in: contactIds } }, { outbox: 0 }).lean<ExportDocument[]>();
  }

  async create(caller: Caller, input: unknown): Promise<ExportReceipt> {
    const actor = requireScope(caller, 'contacts:export');
    const request = parseInput(exportInputSchema, input);
    if (Boolean(request.contactIds) === Boolean(request.listId)) throw badInput('contactIds', 'contactIds: give either contactIds or listId');
    const scope = revealScope(actor);
    const exportId = exportIdOf(scope.scope, request.idempotencyKey);
    const existing = await this.exports.findById(exportId, { outbox: 0 }).lean<ExportDocument>();
    if (existing) return this.receipt(existing);

    const wanted = request.contactIds ?? (await this.addressBook.listContactIds(caller, request.listId ?? '', MAX_EXPORT_CONTACTS));
    const found = await this.contacts.find({ _id: { $in: wanted }, restrictedAt: null }, { _id: 1 }).lean<Array<{ _id: string }>>();
    const contactIds = wanted.filter((id) => found.some((contact) => contact._id === id));
    if (contactIds.length === 0) throw badInput(request.contactIds ? 'contactIds' : 'listId', 'nothing to export: none of these contacts exists');
    const cost = exportCost(contactIds.length);
    const creditCaller = { userId: actor.userId, workspaceId: actor.workspaceId, viaApiTokenId: actor.kind === 'apiToken' ? actor.tokenId : null };
    const refusal = quoteRefusal(await this.credits.quote({ caller: creditCaller, creditType: 'EXPORT', amount: cost }));
    if (refusal) throw refusal;
    const spendKey = `export:${exportId}`;
    const receipt = await this.credits.spend({ idempotencyKey: spendKey, caller: creditCaller, creditType: 'EXPORT', amount: cost, reason: 'CONTACT_EXPORT', reference: exportId });
    const now = this.clock.now();
    const doc: ExportDocument = {
      _id: exportId,
      scope: scope.scope,
      workspaceId: scope.workspaceId,
      userId: actor.userId,
      format: request.format,
      contactIds,
      creditsCharged: receipt.charged,
      spendKey,
      createdAt: now,
      outbox: [],
    };
    const event = createEvent(
      'ContactsExported',
      { exportId, workspaceId: scope.workspaceId, userId: actor.userId, contactCount: contactIds.length, format: request.format, exportedAt: now.toISOString() },
      { subject: exportId, time: now },
    );
    try {
      await this.exports.create({ ...doc, outbox: [outboxEntry(event)] });
    } catch (error) {
      if (isDuplicateKeyError(error)) {
        const winner = await this.exports.findById(exportId, { outbox: 0 }).lean<ExportDocument>();
        if (winner) return this.receipt(winner);
      }
      // A failed export never charges.
      await this.credits.refund({ spendIdempotencyKey: spendKey, reason: 'CONTACT_EXPORT_FAILED' }).catch((refundError: unknown) => this.logger.error({ err: refundError }, 'export refund failed'));
      throw error;
    }
    this.nudgeRelay();
    await this.addressBook.record(scope.scope, actor.userId, 'CONTACTS_EXPORTED', null, request.listId ?? null);
    return this.receipt(doc);
  }

  private receipt(doc: ExportDocument): ExportReceipt {
    const expiresAt = new Date(this.clock.now().getTime() + DOWNLOAD_LINK_TTL_MS);
    const signature = downloadSignature(doc._id, expiresAt.getTime(), this.settings.linkSecret);
    const url = new URL(`/exports/${doc._id}`, this.settings.publicBaseUrl());
    url.searchParams.set('expires', String(expiresAt.getTime()));
    url.searchParams.set('signature', signature);
    return { export: doc, downloadUrl: url.toString(), expiresAt };
  }

  /** `GET /exports/:id`: streams the file in batches; contacts gone since (opt-out, retention) are left out. */
  async download(exportId: string, expires: string, signature: string, response: Response): Promise<void> {
    if (!verifyDownload(exportId, Number(expires), signature, this.settings.linkSecret, this.clock.now())) {
      response.status(403).json({ error: 'invalid or expired link' });
      return;
    }
    const doc = await this.exports.findById(exportId, { outbox: 0 }).lean<ExportDocument>();
    if (!doc) {
      response.status(404).json({ error: 'no such export' });
      return;
    }
    const csv = doc.format === 'CSV' ? stringify({ header: true, columns: CSV_HEADER }) : null;
    response.status(200);
    response.setHeader('content-type', doc.format === 'CSV' ? 'text/csv; charset=utf-8' : 'application/json');
    response.setHeader('content-disposition', `attachment; filename="${exportId}.${doc.format.toLowerCase()}"`);
    if (csv) csv.pipe(response);
    else response.write('[');
    let first = true;
    for (let index = 0; index < doc.contactIds.length; index += BATCH) {
      const ids = doc.contactIds.slice(index, index + BATCH);
      const [contacts, reveals] = await Promise.all([
        this.contacts.find({ _id: { $in: ids } }, { searchTokens: 0 }).lean<ContactDocument[]>(),
        this.reveals.find({ _id: { $in: ids.map((id) => revealId(doc.scope, id)) } }, { outbox: 0 }).lean<RevealDocument[]>(),
      ]);
      for (const contact of contacts) {
        const reveal = reveals.find((entry) => entry.contactId === contact._id) ?? null;
        // PRV-02: restricted profiles are not exported.
        if (reveal?.optedOutAt || contact.restrictedAt) continue;
        const row = exportRow(contact, revealedFieldsOf(reveal));
        if (csv) {
          if (!csv.write(csvCells(row))) await new Promise((resolve) => csv.once('drain', resolve));
        } else {
          response.write(`${first ? '' : ','}${JSON.stringify(row)}`);
          first = false;
        }
      }
    }
    if (csv) csv.end();
    else response.end(']');
  }
}
