import { z } from 'zod';
import { badInput, fromZodError, isDuplicateKeyError, type Caller, type Clock } from '@leadgraph/platform';
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
}

export class UsageService {
  constructor(
    private readonly usage: UsageDailyModel,
    private readonly timeZone: string,
    private readonly clock: Clock,
  ) {}

  /** Adds usage to its daily bucket: one single-document `$inc`, creating the bucket on first use. */
  async record(increment: UsageIncrement): Promise<void> {
    const day = dayBucket(increment.occurredAt, this.timeZone);
    const write = () =>
      this.usage.updateOne(
        { _id: usageBucketId(increment.workspaceId, day, increment.creditType) },
        {
          $inc: { creditsSpent: increment.creditsSpent, actions: increment.actions },
          $set: { updatedAt: this.clock.now() },
          $setOnInsert: { workspaceId: increment.workspaceId, day, timeZone: this.timeZone, creditType: increment.creditType },
        },
        { upsert: true },
      );
    try {
      await write();
    } catch (error) {
      // Two first writes of one bucket raced: the loser's retry finds the bucket and increments it.
      if (!isDuplicateKeyError(error)) throw error;
      await write();
    }
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
      .lean<UsageDailyDocument[]>();
    return { workspaceId, from, to, timeZone: this.timeZone, entries };
  }
}
