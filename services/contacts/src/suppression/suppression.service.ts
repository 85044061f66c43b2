import type { Clock, IdentifierHashKey, Logger } from '@leadgraph/platform';
import type { ContactIdentifierDocument, ContactIdentifierModel, ContactModel } from '../contacts/contact.model';
import type { HashedIdentifier } from '../contacts/contact.rules';
import type { SuppressionCaseModel, SuppressionDocument, SuppressionModel } from './suppression.model';
import { matchableHashes, suppressionCaseId } from './suppression.rules';

/**
 * Features holding per-workspace traces of a contact (reveals, address books, CRM deliveries,
 * enrichment items) hear of its opt-out. `identifierHashes` are the keyed hashes of all the person's
 * identifiers known here, for copies that hold an identifier rather than a contact id; a person with
 * no profile here still has those.
 */
export interface OptOutListener {
  contactsOptedOut(contactIds: string[], at: Date, identifierHashes: string[]): Promise<void>;
}

/**
 * CON-08: an opted-out person is deleted from the contact database, their identifiers' keyed
 * hashes kept in the suppression list, and they are never returned, revealed or re-ingested.
 */
export class SuppressionService {
  private readonly listeners: OptOutListener[] = [];

  constructor(
    private readonly suppressions: SuppressionModel,
    private readonly cases: SuppressionCaseModel,
    private readonly contacts: ContactModel,
    private readonly identifiers: ContactIdentifierModel,
    private readonly hashKey: IdentifierHashKey,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  addListener(listener: OptOutListener): void {
    this.listeners.push(listener);
  }

  async suppressedAmong(hashes: string[]): Promise<Set<string>> {
    if (hashes.length === 0) return new Set();
    const found = await this.suppressions.find({ _id: { $in: hashes } }, { _id: 1 }).lean<Array<{ _id: string }>>();
    return new Set(found.map((suppression) => suppression._id));
  }

  /**
   * Idempotent and safe to retry at any step: the suppression entries come first (so a concurrent
   * import sees them), then the matched contacts are remembered, the listeners told, and only
   * then is the person's data deleted.
   */
  async suppress(origin: SuppressionDocument['origin'], identifiers: readonly HashedIdentifier[], at: Date): Promise<{ contactIds: string[] }> {
    const { usable, otherKeyVersions } = matchableHashes(identifiers, this.hashKey);
    if (otherKeyVersions.length > 0) {
      this.logger.warn({ origin, otherKeyVersions, ourKeyVersion: this.hashKey.version }, 'opt-out hashes made with another key version cannot be matched');
    }
    await this.addToList(usable, origin, at);
    const claims = await this.identifiers.find({ _id: { $in: usable.map((identifier) => identifier.hash) } }).lean<ContactIdentifierDocument[]>();
    const caseId = suppressionCaseId(origin);
    const recorded = await this.cases.findOneAndUpdate(
      { _id: caseId },
      { $setOnInsert: { origin, receivedAt: this.clock.now(), completedAt: null }, $addToSet: { contactIds: { $each: [...new Set(claims.map((claim) => claim.contactId))] } } },
      { upsert: true, new: true },
    ).lean<{ contactIds: string[] }>();
    const contactIds = recorded?.contactIds ?? [];
    const personIdentifiers = contactIds.length > 0 ? await this.identifiers.find({ contactId: { $in: contactIds } }).lean<ContactIdentifierDocument[]>() : [];
    // Every identifier of the person goes on the list, not only the one they opted out with.
    await this.addToList(personIdentifiers.map((claim) => ({ kind: claim.kind, hash: claim._id, keyVersion: claim.keyVersion })), origin, at);
    const hashes = [...new Set([...usable.map((identifier) => identifier.hash), ...personIdentifiers.map((claim) => claim._id)])];
    if (contactIds.length > 0 || hashes.length > 0) {
      for (const listener of this.listeners) await listener.contactsOptedOut(contactIds, at, hashes);
    }
    if (contactIds.length > 0) {
      await this.contacts.deleteMany({ _id: { $in: contactIds } });
      await this.identifiers.deleteMany({ contactId: { $in: contactIds } });
    }
    await this.cases.updateOne({ _id: caseId }, { $set: { completedAt: this.clock.now() } });
    this.logger.info({ origin, contacts: contactIds.length }, 'suppression applied');
    return { contactIds };
  }

  private async addToList(identifiers: readonly HashedIdentifier[], origin: SuppressionDocument['origin'], at: Date): Promise<void> {
    if (identifiers.length === 0) return;
    await this.suppressions.bulkWrite(
      identifiers.map((identifier) => ({
        updateOne: {
          filter: { _id: identifier.hash },
          update: { $setOnInsert: { kind: identifier.kind, keyVersion: identifier.keyVersion, origin, suppressedAt: at } },
          upsert: true,
        },
      })),
      { ordered: false },
    );
  }
}
