import { createHash } from 'node:crypto';
import { Schema, type Connection, type FilterQuery, type Model, type UpdateQuery } from 'mongoose';
import { isDuplicateKeyError } from '@leadgraph/platform';
import type { Metric } from './metering.rules';

/**
 * Server-side usage counts (ANA-02) per scope (`platform` or `workspace:<id>`), UTC hour and
 * metric. Hours, not days, so reports can roll them up into days of any time zone the caller
 * asks for. `eventIds` guards each `$inc`: a redelivered event is never counted twice, even when
 * the handler ran but its acknowledgement was lost. Anonymous aggregates: no person (ANA-04 keeps them).
 */
export interface MetricHourlyDocument {
  _id: string;
  scope: string;
  hour: Date;
  metric: Metric;
  shard: number;
  count: number;
  eventIds: string[];
  updatedAt: Date;
}

const metricHourlySchema = new Schema<MetricHourlyDocument>(
  {
    _id: { type: String, required: true },
    scope: { type: String, required: true },
    hour: { type: Date, required: true },
    metric: { type: String, required: true },
    shard: { type: Number, required: true },
    count: { type: Number, default: 0 },
    eventIds: { type: [String], default: [] },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'metric_hourly', versionKey: false },
);
metricHourlySchema.index({ scope: 1, hour: 1 });

export type MetricHourlyModel = Model<MetricHourlyDocument>;

export function metricHourlyModel(connection: Connection): MetricHourlyModel {
  return (connection.models.MetricHourly as MetricHourlyModel | undefined) ?? connection.model<MetricHourlyDocument>('MetricHourly', metricHourlySchema);
}

/**
 * Each hour's counter is split over a few documents by event id, so a busy hour's guard array
 * stays small (and its `$ne` check cheap); reports sum the shards.
 */
export const METRIC_SHARDS = 8;

export function metricShard(eventId: string): number {
  return createHash('sha1').update(eventId).digest().readUInt8(0) % METRIC_SHARDS;
}

export function metricBucketId(scope: string, hour: Date, metric: Metric, shard: number): string {
  return `${scope}|${hour.toISOString()}|${metric}|${shard}`;
}

/**
 * One user's path through the sign-up funnel (signed up -> first search -> first reveal ->
 * subscription started). Every step is a `$min`, so redelivery and out-of-order events are
 * harmless. Personal (a user id): erasure anonymises it (ANA-05), retention deletes it (ANA-04).
 */
export interface FunnelUserDocument {
  /** Random: the row outlives the link to its user once anonymised. */
  _id: string;
  /** Removed (the row anonymised) on erasure (ANA-05) or after 25 months (ANA-04). */
  userId?: string;
  signedUpAt?: Date;
  firstSearchAt?: Date;
  firstRevealAt?: Date;
  subscribedAt?: Date;
  updatedAt: Date;
}

const funnelUserSchema = new Schema<FunnelUserDocument>(
  {
    _id: { type: String, required: true },
    userId: { type: String },
    // No null defaults: `$min` keeps a stored null (null sorts before every date).
    signedUpAt: { type: Date },
    firstSearchAt: { type: Date },
    firstRevealAt: { type: Date },
    subscribedAt: { type: Date },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'funnel_users', versionKey: false },
);
funnelUserSchema.index({ signedUpAt: 1 });
// One row per user; anonymised rows have no userId (sparse: no partial indexes on this Mongo).
funnelUserSchema.index({ userId: 1 }, { unique: true, sparse: true });

export type FunnelUserModel = Model<FunnelUserDocument>;

export function funnelUserModel(connection: Connection): FunnelUserModel {
  return (connection.models.FunnelUser as FunnelUserModel | undefined) ?? connection.model<FunnelUserDocument>('FunnelUser', funnelUserSchema);
}

/**
 * Adds one event's increments to a counter bucket exactly once (ANA-02 idempotency): the bucket
 * records the ids it counted, and a bucket that already holds this id is left alone, so a
 * redelivery or a handler re-run after a lost acknowledgement counts nothing. The upsert creates
 * the bucket on first use; a duplicate key means a lost first-insert race (the retry counts it) or
 * the id already counted (the retry collides again and is ignored).
 */
export async function addOncePerEvent<T extends { _id: string; eventIds?: string[] }>(
  buckets: Model<T>,
  bucketId: string,
  eventId: string,
  update: { $inc: Record<string, number>; $set: Record<string, unknown>; $setOnInsert: Record<string, unknown> },
): Promise<void> {
  const write = () =>
    buckets.updateOne({ _id: bucketId, eventIds: { $ne: eventId } } as FilterQuery<T>, { ...update, $push: { eventIds: eventId } } as UpdateQuery<T>, { upsert: true });
  try {
    await write();
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    try {
      await write();
    } catch (again) {
      if (!isDuplicateKeyError(again)) throw again;
    }
  }
}
