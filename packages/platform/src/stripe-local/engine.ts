import { emptyState, newId, type StoreState } from './state';
import type { EventType, EventWire } from './wire';

export interface DunningOptions {
  /** Days between automatic retries of a failed renewal invoice (Stripe's custom retry schedule). */
  retryDelaysDays: number[];
  /** What happens to the subscription when the last retry fails (Stripe's "subscription status" setting). */
  afterFinalFailure: 'cancel' | 'unpaid' | 'past_due';
}

export interface EngineOptions {
  apiVersion: string;
  /** Unix seconds the server clock starts at. */
  startTime: number;
  /**
   * `frozen`: time stands still until moved through the test-control API (tests).
   * `real-time`: time runs like a wall clock from the start time, moves still add up (local runs).
   */
  clockMode: 'frozen' | 'real-time';
  /** Stripe leaves renewal invoices in draft about an hour before finalizing and charging them. */
  renewalFinalizationDelaySeconds: number;
  /** A subscription whose first invoice is still unpaid after this long becomes incomplete_expired. */
  incompleteExpirySeconds: number;
  dunning: DunningOptions;
}

export interface RequestContext {
  requestId: string | null;
  idempotencyKey: string | null;
}

/**
 * The state of the simulated Stripe account, its clock and the events it emits. Every mutation
 * runs inside `transaction`: on an error the state is restored and the events dropped, as a
 * failed Stripe API call leaves nothing behind; committed events go to `onCommit` (webhooks).
 */
export class StripeEngine {
  state: StoreState = emptyState();
  /** Simulated time (ms) at the last set, and the wall-clock time (ms) of that set. */
  private simulatedAtSetMs: number;
  private wallAtSetMs = Date.now();
  private pendingEvents: EventWire[] = [];
  private context: RequestContext = { requestId: null, idempotencyKey: null };

  constructor(
    readonly options: EngineOptions,
    private readonly onCommit: (events: EventWire[]) => void,
    private readonly afterCommit: () => void = () => undefined,
  ) {
    this.simulatedAtSetMs = options.startTime * 1000;
  }

  private nowMs(): number {
    return this.options.clockMode === 'real-time' ? this.simulatedAtSetMs + (Date.now() - this.wallAtSetMs) : this.simulatedAtSetMs;
  }

  /** Server time in unix seconds. */
  now(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  setNow(unixSeconds: number): void {
    this.simulatedAtSetMs = unixSeconds * 1000;
    this.wallAtSetMs = Date.now();
  }

  /** Records an event with a snapshot of `object` now; `position` inserts it earlier in this call's events. */
  emit(type: EventType, object: unknown, previousAttributes?: Record<string, unknown>, position?: number): EventWire {
    const event: EventWire = {
      id: newId('evt'),
      object: 'event',
      api_version: this.options.apiVersion,
      created: this.now(),
      data: {
        object: structuredClone(object),
        ...(previousAttributes && Object.keys(previousAttributes).length > 0 ? { previous_attributes: previousAttributes } : {}),
      },
      livemode: false,
      pending_webhooks: 0,
      request: { id: this.context.requestId, idempotency_key: this.context.idempotencyKey },
      type,
    };
    if (position === undefined) this.pendingEvents.push(event);
    else this.pendingEvents.splice(position, 0, event);
    return event;
  }

  /** How many events this call emitted so far (a position for `emit`). */
  eventPosition(): number {
    return this.pendingEvents.length;
  }

  /**
   * Runs `work` all-or-nothing. A `StripeApiError` with `commit` set (a declined payment the
   * API reports as an error, but which Stripe records) keeps the state and events.
   */
  transaction<Result>(context: RequestContext, work: () => Result): Result {
    const snapshot = structuredClone(this.state);
    const clockBefore = this.now();
    this.pendingEvents = [];
    this.context = context;
    try {
      const result = work();
      this.commit();
      return result;
    } catch (error) {
      if (error instanceof Error && 'commitState' in error && error.commitState === true) {
        this.commit();
      } else {
        this.state = snapshot;
        this.setNow(clockBefore);
        this.pendingEvents = [];
      }
      throw error;
    } finally {
      this.context = { requestId: null, idempotencyKey: null };
    }
  }

  private commit(): void {
    const events = this.pendingEvents;
    this.pendingEvents = [];
    for (const event of events) this.state.events.set(event.id, event);
    if (events.length > 0) this.onCommit(events);
    this.afterCommit();
  }

  /** Replaces the state and clock (a saved account loaded at start). */
  restore(state: StoreState, now: number): void {
    this.state = state;
    this.setNow(now);
  }

  reset(): void {
    this.state = emptyState();
    this.pendingEvents = [];
    this.setNow(this.options.startTime);
  }
}

/** Shallow diff of top-level fields: Stripe's `previous_attributes` on `*.updated` events. */
export function previousAttributes(before: object, after: object): Record<string, unknown> {
  const previous: Record<string, unknown> = {};
  const beforeFields = new Map(Object.entries(before));
  for (const [key, value] of Object.entries(after)) {
    const old = beforeFields.get(key);
    if (JSON.stringify(old) !== JSON.stringify(value)) previous[key] = old === undefined ? null : structuredClone(old);
  }
  return previous;
}
