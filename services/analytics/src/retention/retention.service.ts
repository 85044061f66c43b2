import { recordRetentionRun, type Clock, type Logger, type RetentionRunReportModel } from '@leadgraph/platform';
import type { RetentionRunReport } from '@leadgraph/events';
import type { RawEventModel } from '../collection/collection.model';
import type { AnalyticsConsentModel } from '../consent/consent.model';
import type { FunnelUserModel } from '../metering/metering.model';
import { ANALYTICS_RAW_CATEGORY, rawEventCutoff } from './retention.rules';

const BATCH = 1000;

/**
 * ANA-04 / PRV-07: deletes raw identified events older than 25 months, removes the user id
 * from funnel rows of users who signed up before then and deletes consent copies that expired
 * before then; anonymous aggregates (page counts, hourly metering, daily usage) are kept. Every
 * pass is reported to privacy as one ANALYTICS_RAW run (due and deleted add the three up).
 */
export class RetentionService {
  constructor(
    private readonly rawEvents: RawEventModel,
    private readonly funnel: FunnelUserModel,
    private readonly consents: AnalyticsConsentModel,
    private readonly reports: RetentionRunReportModel,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly onReported: () => void = () => undefined,
  ) {}

  async purgeRawEvents(options: { dryRun: boolean }): Promise<RetentionRunReport> {
    const ranAt = this.clock.now();
    const cutoff = rawEventCutoff(ranAt);
    const dueEvents = { occurredAt: { $lt: cutoff } };
    const dueFunnelRows = { userId: { $exists: true }, signedUpAt: { $lt: cutoff } };
    // Consent copies whose choice expired over 25 months ago; a restriction (PRV-02) is kept.
    const dueConsents = { expiresAt: { $lt: cutoff }, restrictedAt: null };
    let due = 0;
    let deleted = 0;
    if (options.dryRun) {
      // A background job, not a hot path: counting is acceptable here.
      due = (await this.rawEvents.countDocuments(dueEvents)) + (await this.funnel.countDocuments(dueFunnelRows)) + (await this.consents.countDocuments(dueConsents));
    } else {
      for (;;) {
        const batch = await this.rawEvents.find(dueEvents, { _id: 1 }).limit(BATCH).lean<Array<{ _id: string }>>();
        if (batch.length === 0) break;
        const result = await this.rawEvents.deleteMany({ _id: { $in: batch.map((event) => event._id) }, ...dueEvents });
        due += batch.length;
        deleted += result.deletedCount;
        if (batch.length < BATCH) break;
      }
      // The funnel keeps the dates (anonymous cohort counts), not who.
      const anonymised = await this.funnel.updateMany(dueFunnelRows, { $unset: { userId: 1 } });
      due += anonymised.matchedCount;
      deleted += anonymised.modifiedCount;
      const expiredConsents = await this.consents.deleteMany(dueConsents);
      due += expiredConsents.deletedCount;
      deleted += expiredConsents.deletedCount;
    }
    const report = await recordRetentionRun(this.reports, 'analytics', {
      dataCategory: ANALYTICS_RAW_CATEGORY,
      dryRun: options.dryRun,
      cutoff,
      due,
      deleted,
      ranAt,
      finishedAt: this.clock.now(),
    });
    this.onReported();
    if (due > 0) this.logger.info({ due, deleted, cutoff, dryRun: options.dryRun }, 'retention: raw analytics older than 25 months (ANA-04)');
    return report;
  }
}
