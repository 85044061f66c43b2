import {
  recordRetentionRun,
  requireStaffRole,
  type Caller,
  type Clock,
  type Logger,
  type RetentionRunReportDocument,
  type RetentionRunReportModel,
} from '@leadgraph/platform';
import type { ContactIdentifierModel, ContactModel } from '../contacts/contact.model';
import { PROFILE_RETENTION_CATEGORY, retentionCutoff } from './retention.rules';

const BATCH = 500;

/** Copies of a profile's details kept by other features (the reveals' remembered answers), deleted with it. */
export interface ProfileCopies {
  eraseRevealedDetails(contactIds: string[]): Promise<number>;
}

/**
 * CON-09 / PRV-07: the scheduled job deleting profiles 5 years after their last update. Every
 * pass, dry or not, is kept and reported to the privacy service (RetentionRunReportedByContacts)
 * through the platform's retention report, the one report store of this service.
 */
export class RetentionService {
  constructor(
    private readonly contacts: ContactModel,
    private readonly identifiers: ContactIdentifierModel,
    private readonly copies: ProfileCopies,
    private readonly reports: RetentionRunReportModel,
    private readonly settings: { dryRun: boolean },
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly nudgeRelay: () => void = () => undefined,
  ) {}

  /** A dry run (config RETENTION_DRY_RUN, or `dryRun` here) counts what is due and deletes nothing. */
  async purgeExpired(options: { dryRun?: boolean } = {}): Promise<RetentionRunReportDocument> {
    const dryRun = options.dryRun ?? this.settings.dryRun;
    const ranAt = this.clock.now();
    const cutoff = retentionCutoff(ranAt);
    const due = await this.contacts.countDocuments({ lastUpdatedAt: { $lt: cutoff } });
    let deleted = 0;
    if (!dryRun) {
      for (;;) {
        const batch = await this.contacts.find({ lastUpdatedAt: { $lt: cutoff } }, { _id: 1 }).limit(BATCH).lean<Array<{ _id: string }>>();
        if (batch.length === 0) break;
        const ids = batch.map((contact) => contact._id);
        // Guarded by the date again: a profile refreshed meanwhile stays.
        const removed = await this.contacts.deleteMany({ _id: { $in: ids }, lastUpdatedAt: { $lt: cutoff } });
        // Only what went loses its identifiers and copies.
        const kept = new Set((await this.contacts.find({ _id: { $in: ids } }, { _id: 1 }).lean<Array<{ _id: string }>>()).map((contact) => contact._id));
        const deletedIds = ids.filter((id) => !kept.has(id));
        await this.identifiers.deleteMany({ contactId: { $in: deletedIds } });
        await this.copies.eraseRevealedDetails(deletedIds);
        deleted += removed.deletedCount;
        if (batch.length < BATCH) break;
      }
    }
    const report = await recordRetentionRun(this.reports, 'contacts', { dataCategory: PROFILE_RETENTION_CATEGORY, dryRun, cutoff, due, deleted, ranAt, finishedAt: this.clock.now() });
    this.nudgeRelay();
    if (due > 0) this.logger.info({ due, deleted, dryRun, cutoff }, dryRun ? 'retention dry run: profiles past 5 years counted (CON-09)' : 'retention: profiles past 5 years deleted (CON-09)');
    const stored = await this.reports.findById(report.runId, { outbox: 0 }).lean<RetentionRunReportDocument>();
    if (!stored) throw new Error(`retention report ${report.runId} not stored`);
    return stored;
  }

  /** Privacy officers read the reports, newest first. */
  async runs(caller: Caller, first: number): Promise<RetentionRunReportDocument[]> {
    requireStaffRole(caller, 'PRIVACY_OFFICER');
    return this.reports
      .find({ dataCategory: PROFILE_RETENTION_CATEGORY }, { outbox: 0 })
      .sort({ ranAt: -1 })
      .limit(Math.min(Math.max(first, 1), 100))
      .lean<RetentionRunReportDocument[]>();
  }
}
