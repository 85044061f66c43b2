import { randomUUID } from 'node:crypto';
import { isDuplicateKeyError, type Clock } from '@leadgraph/platform';
import { addOncePerEvent, metricBucketId, metricShard, type FunnelUserModel, type MetricHourlyModel } from './metering.model';
import { hourOf, type MetricIncrement } from './metering.rules';

export type FunnelStep = 'signedUpAt' | 'firstSearchAt' | 'firstRevealAt' | 'subscribedAt';

/**
 * Server-side usage metering (ANA-02, legitimate interest, nothing read from or stored on a
 * device): hourly counters and the sign-up funnel, both idempotent per domain event.
 */
export class MeteringService {
  constructor(
    private readonly metricsHourly: MetricHourlyModel,
    private readonly funnel: FunnelUserModel,
    private readonly clock: Clock,
    /** Users who restricted or objected to processing (PRV-02): no funnel row for them. */
    private readonly isRestrictedUser: (userId: string) => Promise<boolean> = async () => false,
  ) {}

  /** Adds each increment once per event id, whatever the number of deliveries. */
  async count(eventId: string, at: Date, increments: MetricIncrement[]): Promise<void> {
    const hour = hourOf(at);
    const shard = metricShard(eventId);
    const now = this.clock.now();
    for (const increment of increments) {
      await addOncePerEvent(this.metricsHourly, metricBucketId(increment.scope, hour, increment.metric, shard), eventId, {
        $inc: { count: increment.amount },
        $set: { updatedAt: now },
        $setOnInsert: { scope: increment.scope, hour, metric: increment.metric, shard },
      });
    }
  }

  /** Records a funnel step at its earliest instant (`$min`: idempotent and order-independent). */
  async funnelStep(userId: string, step: FunnelStep, at: Date): Promise<void> {
    if (await this.isRestrictedUser(userId)) return;
    const update = { $min: { [step]: at }, $set: { updatedAt: this.clock.now() } };
    try {
      await this.funnel.updateOne({ userId }, { ...update, $setOnInsert: { _id: randomUUID() } }, { upsert: true });
    } catch (error) {
      // Two first steps of one user raced on the unique userId: the row exists now.
      if (!isDuplicateKeyError(error)) throw error;
      await this.funnel.updateOne({ userId }, update);
    }
  }

}

