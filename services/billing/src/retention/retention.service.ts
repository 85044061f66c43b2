import { recordRetentionRun, type Clock, type Logger, type RetentionRunReportModel } from '@leadgraph/platform';
import type { RetentionRunReport } from '@leadgraph/events';
import type { InvoiceService } from '../invoices/invoice.service';
import { ACCOUNTING_DATA_CATEGORY, accountingCutoff, deletedByPass, passIsDryRun } from './retention.rules';

const SCHEDULED_PASS_INTERVAL_MS = 86_400_000;

/**
 * Billing's retention job (PRV-07) over its one category, ACCOUNTING (BIL-17): the invoice purge
 * itself stays in `InvoiceService.purgeExpired`; this counts what is due, purges unless it is a
 * dry run, and reports every pass (`RetentionRunReportedByBilling`).
 */
export class RetentionService {
  constructor(
    private readonly invoices: Pick<InvoiceService, 'countExpired' | 'purgeExpired'>,
    private readonly reports: RetentionRunReportModel,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** RETENTION_DRY_RUN: the scheduled job's default mode. */
    private readonly configuredDryRun: boolean,
    private readonly outboxWritten: () => void = () => undefined,
  ) {}

  /**
   * The lifecycle job runs every minute; a report per minute would drown the evidence, so the
   * scheduled pass runs when invoices are due, and otherwise once a day.
   */
  async runScheduled(): Promise<{ deleted: number }> {
    const now = this.clock.now();
    const since = new Date(now.getTime() - SCHEDULED_PASS_INTERVAL_MS);
    const recent = await this.reports.exists({ dataCategory: ACCOUNTING_DATA_CATEGORY, ranAt: { $gt: since } });
    if (recent && (await this.invoices.countExpired(now)) === 0) return { deleted: 0 };
    return { deleted: (await this.runAccounting()).deleted };
  }

  async runAccounting(options?: { dryRun?: boolean }): Promise<RetentionRunReport> {
    const dryRun = passIsDryRun(options, this.configuredDryRun);
    const ranAt = this.clock.now();
    const due = await this.invoices.countExpired(ranAt);
    const purged = dryRun ? 0 : await this.invoices.purgeExpired(ranAt);
    const report = await recordRetentionRun(this.reports, 'billing', {
      dataCategory: ACCOUNTING_DATA_CATEGORY,
      dryRun,
      cutoff: accountingCutoff(ranAt),
      due,
      deleted: deletedByPass(dryRun, purged),
      ranAt,
      finishedAt: this.clock.now(),
    });
    this.outboxWritten();
    if (report.due > 0) this.logger.info({ dryRun, due: report.due, deleted: report.deleted }, 'accounting retention pass');
    return report;
  }
}
