import { randomUUID } from 'node:crypto';
import { requireStaffRole, type Caller, type Clock, type Logger } from '@leadgraph/platform';
import type { ContactIdentifierModel, ContactModel } from '../contacts/contact.model';
import type { RetentionRunDocument, RetentionRunModel } from './retention.model';
import { retentionCutoff } from './retention.rules';

const BATCH = 500;

/** CON-09: the scheduled job deleting profiles 5 years after their last update, with a report per run. */
export class RetentionService {
  constructor(
    private readonly contacts: ContactModel,
    private readonly identifiers: ContactIdentifierModel,
    private readonly runs: RetentionRunModel,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async purgeExpired(): Promise<RetentionRunDocument> {
    const ranAt = this.clock.now();
    const cutoff = retentionCutoff(ranAt);
    let deletedProfiles = 0;
    for (;;) {
      const due = await this.contacts.find({ lastUpdatedAt: { $lt: cutoff } }, { _id: 1 }).limit(BATCH).lean<Array<{ _id: string }>>();
      if (due.length === 0) break;
      const ids = due.map((contact) => contact._id);
      // Guarded by the date again: a profile refreshed meanwhile stays.
      const deleted = await this.contacts.deleteMany({ _id: { $in: ids }, lastUpdatedAt: { $lt: cutoff } });
      await this.identifiers.deleteMany({ contactId: { $in: ids } });
      deletedProfiles += deleted.deletedCount;
      if (due.length < BATCH) break;
    }
    const run: RetentionRunDocument = { _id: randomUUID(), ranAt, cutoff, deletedProfiles, finishedAt: this.clock.now() };
    await this.runs.create(run);
    if (deletedProfiles > 0) this.logger.info({ deletedProfiles, cutoff }, 'retention: profiles past 5 years deleted (CON-09)');
    return run;
  }

  /** Privacy officers read the reports, newest first. */
  async reports(caller: Caller, first: number): Promise<RetentionRunDocument[]> {
    requireStaffRole(caller, 'PRIVACY_OFFICER');
    return this.runs.find().sort({ ranAt: -1 }).limit(Math.min(Math.max(first, 1), 100)).lean<RetentionRunDocument[]>();
  }
}
