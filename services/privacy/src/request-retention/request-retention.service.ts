import { randomUUID } from 'node:crypto';
import type { RetentionRunReport } from '@leadgraph/events';
import type { Clock, Logger } from '@leadgraph/platform';
import type { DataSubjectAnswerChunkModel, DataSubjectExportModel, DataSubjectRequestModel } from '../data-subject-requests/data-subject-request.model';
import type { OptOutRequestModel } from '../opt-out/opt-out.model';
import type { RetentionRunService } from '../retention-runs/retention-run.service';
import { PRIVACY_REQUESTS_CATEGORY, requestRetentionCutoffs } from './request-retention.rules';

/**
 * The privacy service's own retention job (PRV-07, PRIVACY_REQUESTS): closed requests after five
 * years, opt-outs never confirmed, and access exports whose link expired. Its passes are kept as
 * evidence like the other services' reports.
 */
export class RequestRetentionService {
  constructor(
    private readonly requests: DataSubjectRequestModel,
    private readonly exports: DataSubjectExportModel,
    private readonly optOuts: OptOutRequestModel,
    private readonly chunks: DataSubjectAnswerChunkModel,
    private readonly evidence: Pick<RetentionRunService, 'recordReport'>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** RETENTION_DRY_RUN: the scheduled pass's default mode. */
    private readonly configuredDryRun: boolean,
  ) {}

  async purge(options: { dryRun?: boolean } = {}): Promise<RetentionRunReport> {
    const dryRun = options.dryRun ?? this.configuredDryRun;
    const ranAt = this.clock.now();
    const cutoffs = requestRetentionCutoffs(ranAt);
    const closedRequests = { status: { $in: ['COMPLETED', 'DENIED', 'REVOKED'] }, closedAt: { $lt: cutoffs.closedBefore } };
    const unconfirmedOptOuts = { status: 'PENDING', codeExpiresAt: { $lt: cutoffs.unconfirmedOptOutExpiredBefore } };
    const expiredExports = { expiresAt: { $lt: cutoffs.exportExpiredBefore } };
    // Slices of an answer whose other slices never came (a service stopped mid-answer).
    const strandedSlices = { receivedAt: { $lt: cutoffs.unconfirmedOptOutExpiredBefore } };
    const due =
      (await this.requests.countDocuments(closedRequests)) +
      (await this.optOuts.countDocuments(unconfirmedOptOuts)) +
      (await this.exports.countDocuments(expiredExports)) +
      (await this.chunks.countDocuments(strandedSlices));
    let deleted = 0;
    if (!dryRun) {
      deleted += (await this.requests.deleteMany(closedRequests)).deletedCount;
      deleted += (await this.optOuts.deleteMany(unconfirmedOptOuts)).deletedCount;
      deleted += (await this.exports.deleteMany(expiredExports)).deletedCount;
      deleted += (await this.chunks.deleteMany(strandedSlices)).deletedCount;
    }
    const report: RetentionRunReport = {
      runId: randomUUID(),
      service: 'privacy',
      dataCategory: PRIVACY_REQUESTS_CATEGORY,
      dryRun,
      cutoff: cutoffs.closedBefore.toISOString(),
      due,
      deleted,
      ranAt: ranAt.toISOString(),
      finishedAt: this.clock.now().toISOString(),
    };
    await this.evidence.recordReport(report);
    if (due > 0) this.logger.info({ dryRun, due, deleted }, 'privacy requests retention pass');
    return report;
  }
}
