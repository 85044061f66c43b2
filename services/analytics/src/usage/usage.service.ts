import { z } from 'zod';
import { badInput, fromZodError, type Caller, type Clock } from '@leadgraph/platform';
import { addOncePerEvent } from '../metering/metering.model';
import { usageBucketId, type CreditType, type UsageDailyDocument, type UsageDailyModel } from './usage.model';
import { assertMayReadWorkspaceUsage, dayBucket, dayRangeProblem } from './usage.rules';

const reportInputSchema = z.object({
  workspaceId: z.string().trim().min(1, 'is required'),
  from: z.string().trim(),
  to: z.string().trim(),
});

export interface UsageReport {
  workspaceId: string;
  from: string;
  to: string;
  timeZone: string;
  /** Buckets with activity, by day then credit type; quiet days are absent. */
  entries: UsageDailyDocument[];
}

export interface UsageIncrement {
  workspaceId: string;
  creditType: CreditType;
  /** When the usage happened: its day is taken in the reporting time zone. */
  occurredAt: Date;
  creditsSpent: number;
  actions: number;
  /** The domain event counted: each bucket counts it once. */
  eventId: string;
}

export class UsageService {
  constructor(
    private readonly usage: UsageDailyModel,
    private readonly timeZone: string,
    private readonly clock: Clock,
  ) {}

  /**
   * Adds usage to its daily bucket: one single-document `$inc`, creating the bucket on first use.
   * Guarded by the event id (ANA-02 idempotency): a bucket that already counted this event is left
   * alone, so a handler re-run after a lost acknowledgement does not count twice.
   */
  async record(increment: UsageIncrement): Promise<void> {
    const day = dayBucket(increment.occurredAt, this.timeZone);
    await addOncePerEvent(this.usage, usageBucketId(increment.workspaceId, day, increment.creditType), increment.eventId, {
      $inc: { creditsSpent: increment.creditsSpent, actions: increment.actions },
      $set: { updatedAt: this.clock.now() },
      $setOnInsert: { workspaceId: increment.workspaceId, day, timeZone: this.timeZone, creditType: increment.creditType },
    });
  }

  /** Daily usage of a workspace between two days, both included (ANA-02). */
  async workspaceReport(caller: Caller, input: { workspaceId: string; from: string; to: string }): Promise<UsageReport> {
    const parsed = reportInputSchema.safeParse(input);
    if (!parsed.success) throw fromZodError(parsed.error);
    const { workspaceId, from, to } = parsed.data;
    assertMayReadWorkspaceUsage(caller, workspaceId);
    const problem = dayRangeProblem(from, to);
    if (problem) throw badInput(problem.field, `${problem.field}: ${problem.message}`);
    const entries = await this.usage
      .find({ workspaceId, day: { $gte: from, $lte: to } })
      .sort({ day: 1, creditType: 1 })
      .select({ eventIds: 0 })
      .lean<UsageDailyDocument[]>();
    return { workspaceId, from, to, timeZone: this.timeZone, entries };
  }
}
