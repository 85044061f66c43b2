import type { Logger } from '../logging/logger';
import type { EventBus } from './event-bus';
import type { OutboxModel, WithOutbox } from './outbox';

/**
 * Publishes pending outbox events and removes each one once JetStream acknowledged it.
 * A crash between publish and removal re-publishes the same event id, which JetStream's
 * de-duplication drops: each event arrives once.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;

  constructor(
    private readonly bus: EventBus,
    private readonly models: OutboxModel[],
    private readonly logger: Logger,
    private readonly pollIntervalMs = 1000,
    private readonly batchSize = 100,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Called after a write that queued events, so they go out now rather than at the next poll. */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  /** One full pass; resolves when every pending event found was published. Used by tests and shutdown. */
  async flush(): Promise<number> {
    let published = 0;
    for (const model of this.models) published += await this.drainModel(model);
    return published;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.flush()
        .then(() => undefined)
        .catch((error: unknown) => this.logger.warn({ err: error }, 'outbox relay pass failed'))
        .finally(() => {
          this.running = null;
          const next = this.again ? 0 : this.pollIntervalMs;
          this.again = false;
          this.schedule(next);
        });
    }, delay);
  }

  private async drainModel(model: OutboxModel): Promise<number> {
    let published = 0;
    const pending = await model
      .find({ 'outbox._id': { $exists: true } }, { outbox: 1 })
      .limit(this.batchSize)
      .lean<Array<WithOutbox & { _id: unknown }>>();
    for (const document of pending) {
      for (const entry of document.outbox) {
        try {
          await this.bus.publish(entry.event);
        } catch (error) {
          await model.updateOne({ _id: document._id, 'outbox._id': entry._id }, { $inc: { 'outbox.$.attempts': 1 } });
          this.logger.warn({ err: error, eventId: entry._id, type: entry.event.type }, 'outbox publish failed');
          // Keep per-document order: later events of this document wait for this one.
          break;
        }
        await model.updateOne({ _id: document._id }, { $pull: { outbox: { _id: entry._id } } });
        published += 1;
      }
    }
    return published;
  }
}
