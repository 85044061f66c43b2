import type { RetentionRunReport } from '@leadgraph/events';
import { checkPageSize, decodeCursor, encodeCursor, requireStaffRole, type Caller, type Clock, type Logger } from '@leadgraph/platform';
import type { PrivacyAuditTrail } from '../audit/audit.service';
import type { RetentionScheduleService } from '../retention-schedule/retention-schedule.service';
import type { RetentionRunEvidenceDocument, RetentionRunEvidenceModel } from './retention-run.model';
import { olderThanRunCursor, reportMatchesSchedule, retentionRunCursorSchema } from './retention-run.rules';

export interface RetentionRunPage {
  runs: Array<{ run: RetentionRunEvidenceDocument; cursor: string }>;
  hasNextPage: boolean;
  endCursor: string | null;
}

/** PRV-07: keeps the evidence of what each service's retention job deleted, for privacy officers. */
export class RetentionRunService {
  constructor(
    private readonly evidence: RetentionRunEvidenceModel,
    private readonly schedule: RetentionScheduleService,
    private readonly auditTrail: PrivacyAuditTrail,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async recordReport(report: RetentionRunReport): Promise<void> {
    const matchesSchedule = reportMatchesSchedule(report, await this.schedule.list());
    if (!matchesSchedule) this.logger.warn({ service: report.service, dataCategory: report.dataCategory }, 'retention report from a service the schedule does not name for this category');
    const ranAt = new Date(report.ranAt);
    await this.evidence.updateOne(
      { _id: report.runId },
      {
        $setOnInsert: {
          service: report.service,
          dataCategory: report.dataCategory,
          dryRun: report.dryRun,
          cutoff: new Date(report.cutoff),
          due: report.due,
          deleted: report.deleted,
          ranAt,
          finishedAt: new Date(report.finishedAt),
          matchesSchedule,
          receivedAt: this.clock.now(),
        },
      },
      { upsert: true },
    );
    // Every pass is evidence above; the audit trail keeps only passes that found something.
    if (report.due === 0 && report.deleted === 0) return;
    await this.auditTrail.record({
      id: `retention:${report.runId}`,
      action: 'RETENTION_RUN_REPORTED',
      subjectType: 'RETENTION_RUN',
      subjectId: report.runId,
      actorUserId: null,
      details: { service: report.service, dataCategory: report.dataCategory, dryRun: String(report.dryRun), due: String(report.due), deleted: String(report.deleted) },
      at: ranAt,
    });
  }

  async page(caller: Caller, input: { service?: string | null; dataCategory?: string | null; first?: number | null; after?: string | null }): Promise<RetentionRunPage> {
    requireStaffRole(caller, 'PRIVACY_OFFICER');
    const size = checkPageSize(input.first);
    const cursor = input.after ? decodeCursor(input.after, retentionRunCursorSchema) : null;
    const filter: Record<string, unknown> = {};
    if (input.service) filter.service = input.service;
    if (input.dataCategory) filter.dataCategory = input.dataCategory;
    const rows = await this.evidence
      .find(cursor ? { $and: [filter, olderThanRunCursor(cursor)] } : filter)
      .sort({ ranAt: -1, _id: -1 })
      .limit(size + 1)
      .lean<RetentionRunEvidenceDocument[]>();
    const runs = rows.slice(0, size).map((run) => ({ run, cursor: encodeCursor({ ranAt: run.ranAt.getTime(), id: run._id }) }));
    return { runs, hasNextPage: rows.length > size, endCursor: runs.at(-1)?.cursor ?? null };
  }
}
