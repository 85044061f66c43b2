import type { Connection } from 'mongoose';
import { RateLimiterMongo, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { retryAfterSeconds, rateLimited, type AuthenticatedCaller, type Clock, type Logger } from '@leadgraph/platform';
import type { UsageGuard } from '../contacts/contact.service';
import type { ExtractionFlagDocument, ExtractionFlagModel, UsageCounterDocument, UsageCounterModel } from './rate-limit.model';
import { bulkExtractionSignals, rateLimitKeys, usageDay, type BulkThresholds } from './rate-limit.rules';

export interface RateLimitSettings extends BulkThresholds {
  searchesPerMinute: number;
  revealsPerMinute: number;
}

/**
 * CON-10: per-account and per-token rate limits on search and reveal (shared by every instance
 * through this service's database), and daily usage counters that flag bulk-extraction patterns.
 */
export class UsageGuardService implements UsageGuard {
  private readonly searches: RateLimiterAbstract;
  private readonly reveals: RateLimiterAbstract;

  constructor(
    connection: Connection,
    private readonly counters: UsageCounterModel,
    private readonly flags: ExtractionFlagModel,
    private readonly settings: RateLimitSettings,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    const store = { storeClient: connection.getClient(), dbName: connection.name, tableName: 'rate_limits' };
    this.searches = new RateLimiterMongo({ ...store, keyPrefix: 'search', points: settings.searchesPerMinute, duration: 60 });
    this.reveals = new RateLimiterMongo({ ...store, keyPrefix: 'reveal', points: settings.revealsPerMinute, duration: 60 });
  }

  /** Attempts are counted before the limit: a scraper hammering the limit is a pattern too. */
  async beforeSearch(caller: AuthenticatedCaller, pageDepth: number): Promise<void> {
    await this.count(caller, { searchPages: 1, deepPages: pageDepth > 1 ? 1 : 0, reveals: 0 });
    await this.consume(this.searches, caller, 1);
  }

  /** One point per contact revealed, whatever the number of fields. */
  async beforeReveal(caller: AuthenticatedCaller, contacts: number): Promise<void> {
    await this.count(caller, { searchPages: 0, deepPages: 0, reveals: contacts });
    await this.consume(this.reveals, caller, contacts);
  }

  async flagged(first: number): Promise<ExtractionFlagDocument[]> {
    return this.flags.find().sort({ flaggedAt: -1, _id: -1 }).limit(first).lean<ExtractionFlagDocument[]>();
  }

  private async consume(limiter: RateLimiterAbstract, caller: AuthenticatedCaller, points: number): Promise<void> {
    for (const key of rateLimitKeys(caller)) {
      try {
        await limiter.consume(key, points);
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) throw rateLimited(retryAfterSeconds(rejection.msBeforeNext));
        throw rejection;
      }
    }
  }

  private async count(caller: AuthenticatedCaller, usage: Pick<UsageCounterDocument, 'searchPages' | 'deepPages' | 'reveals'>): Promise<void> {
    const now = this.clock.now();
    const day = usageDay(now);
    const id = `${caller.userId}:${day}`;
    const counter = await this.counters
      .findOneAndUpdate(
        { _id: id },
        { $inc: usage, $setOnInsert: { userId: caller.userId, workspaceId: caller.workspaceId, day } },
        { upsert: true, new: true },
      )
      .lean<UsageCounterDocument>();
    if (!counter) return;
    const signals = bulkExtractionSignals(counter, this.settings);
    if (signals.length === 0) return;
    const flagged = await this.flags.updateOne(
      { _id: id },
      {
        $set: { signals, usage: { searchPages: counter.searchPages, deepPages: counter.deepPages, reveals: counter.reveals } },
        $setOnInsert: { userId: caller.userId, workspaceId: caller.workspaceId, day, flaggedAt: now },
      },
      { upsert: true },
    );
    if (flagged.upsertedCount > 0) this.logger.warn({ userId: caller.userId, day, signals }, 'bulk extraction pattern flagged (CON-10)');
  }
}
