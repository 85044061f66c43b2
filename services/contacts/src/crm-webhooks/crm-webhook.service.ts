import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import { z } from 'zod';
import {
  afterKeyset,
  badInput,
  checkPageSize,
  conflict,
  decodeCursor,
  encodeCursor,
  forbidden,
  isDuplicateKeyError,
  notFound,
  parseInput,
  requireScope,
  requireUser,
  type Caller,
  type Clock,
  type Logger,
} from '@leadgraph/platform';
import type { ContactDocument, ContactModel } from '../contacts/contact.model';
import type { ExportDocument, ExportModel } from '../exports/export.model';
import type { ExportService } from '../exports/export.service';
import { exportRow } from '../exports/export.rules';
import type { RevealDocument, RevealModel } from '../reveals/reveal.model';
import { revealId, revealScope, revealedFieldsOf } from '../reveals/reveal.rules';
import type {
  AttemptTrigger,
  CrmDeliveryAttemptDocument,
  CrmDeliveryAttemptModel,
  CrmDeliveryDocument,
  CrmDeliveryModel,
  CrmWebhookDocument,
  CrmWebhookModel,
} from './crm-webhook.model';
import type { OptOutListener } from '../suppression/suppression.service';
import {
  contactIdsInBody,
  crmPushInputSchema,
  deliveryIdOf,
  optOutDeliveryIdOf,
  isSuccessStatus,
  nextAttemptAt,
  pushExportKey,
  readExportedBody,
  redactBody,
  signatureHeader,
  SIGNATURE_HEADER,
  webhookConfigSchema,
  withoutContacts,
} from './crm-webhook.rules';

export interface CrmWebhookSettings {
  maxAttempts: number;
  retryBaseSeconds: number;
  /** Plain http receivers (development and tests only). */
  allowHttp: boolean;
  requestTimeoutMs?: number;
}

/** A configured webhook, with the secret only right after it was generated (shown once). */
export interface CrmWebhookView {
  webhook: CrmWebhookDocument;
  revealedSecret: string | null;
}

export interface CrmPushResult {
  delivery: CrmDeliveryDocument;
  attempts: CrmDeliveryAttemptDocument[];
}

const deliveryCursorSchema = z.object({ at: z.number(), id: z.string() });
/** While an attempt is in flight the retry job leaves the delivery alone for this long. */
const ATTEMPT_LEASE_MS = 60_000;
const RETRY_BATCH = 50;
/** Guarded rewrites of one delivery body retried this often when a concurrent erasure wrote first. */
const REDACT_ATTEMPTS = 5;

/**
 * CON-06 CRM push: admins configure a webhook URL and its signing secret; a push goes through the
 * export path (one export credit per contact, one charge per key), then is POSTed as signed JSON,
 * retried with exponential backoff by `retryDue`, logged per attempt, and replayable without charge.
 */
export class CrmWebhookService implements OptOutListener {
  constructor(
    private readonly webhooks: CrmWebhookModel,
    private readonly deliveries: CrmDeliveryModel,
    private readonly attemptsLog: CrmDeliveryAttemptModel,
    private readonly deliverer: CrmDeliverer,
    private readonly exportService: ExportService,
    private readonly contacts: ContactModel,
    private readonly reveals: RevealModel,
    private readonly settings: Pick<CrmWebhookSettings, 'allowHttp'>,
    private readonly clock: Clock,
  ) {}

  /** Workspace admins (or a user without a workspace, for their own scope) manage the webhook. */
  private admin(caller: Caller): { scope: string; userId: string } {
    const user = requireUser(caller);
    if (user.workspaceId && user.workspaceRole !== 'ADMIN') throw forbidden('Only workspace admins configure the CRM webhook');
    return { scope: revealScope(user).scope, userId: user.userId };
  }

  async get(caller: Caller): Promise<CrmWebhookDocument | null> {
    const { scope } = this.admin(caller);
    return this.webhooks.findById(scope).lean<CrmWebhookDocument>();
  }

  /** Sets the URL; the first time, generates the signing secret and returns it once. */
  async configure(caller: Caller, url: unknown): Promise<CrmWebhookView> {
    const { scope, userId } = this.admin(caller);
    const input = parseInput(webhookConfigSchema(this.settings.allowHttp), { url });
    const now = this.clock.now();
    const updated = await this.webhooks.findOneAndUpdate({ _id: scope }, { $set: { url: input.url, configuredBy: userId, updatedAt: now } }, { new: true }).lean<CrmWebhookDocument>();
    if (updated) return { webhook: updated, revealedSecret: null };
    const webhook: CrmWebhookDocument = { _id: scope, url: input.url, secret: newSecret(), configuredBy: userId, createdAt: now, updatedAt: now, secretRotatedAt: now };
    try {
      await this.webhooks.create(webhook);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // A concurrent first configuration won: keep its secret, apply this URL.
      return this.configure(caller, url);
    }
    return { webhook, revealedSecret: webhook.secret };
  }

  /** Replaces the signing secret; the new one is returned once. */
  async rotateSecret(caller: Caller): Promise<CrmWebhookView> {
    const { scope, userId } = this.admin(caller);
    const now = this.clock.now();
    const secret = newSecret();
    const webhook = await this.webhooks.findOneAndUpdate({ _id: scope }, { $set: { secret, secretRotatedAt: now, updatedAt: now, configuredBy: userId } }, { new: true }).lean<CrmWebhookDocument>();
    if (!webhook) throw notFound('No CRM webhook is configured');
    return { webhook, revealedSecret: secret };
  }

  /** Pushes contacts (or a list) to the CRM: charged through the export path, then delivered. */
  async push(caller: Caller, input: unknown): Promise<CrmPushResult> {
    const actor = requireScope(caller, 'contacts:export');
    const request = parseInput(crmPushInputSchema, input);
    if (Boolean(request.contactIds) === Boolean(request.listId)) throw badInput('contactIds', 'contactIds: give either contactIds or listId');
    const scope = revealScope(actor).scope;
    if (!(await this.webhooks.exists({ _id: scope }))) throw conflict('No CRM webhook is configured: a workspace admin sets one first');
    const receipt = await this.exportService.create(caller, {
      contactIds: request.contactIds ?? null,
      listId: request.listId ?? null,
      format: 'JSON',
      idempotencyKey: pushExportKey(request.idempotencyKey),
    });
    const exported = receipt.export;
    const deliveryId = deliveryIdOf(exported._id);
    const existing = await this.deliveries.findById(deliveryId).lean<CrmDeliveryDocument>();
    if (existing) return { delivery: existing, attempts: await this.attemptsOf(deliveryId) };
    const now = this.clock.now();
    const rows = await this.rows(exported.scope, exported.contactIds);
    const body = JSON.stringify({
      id: deliveryId,
      type: 'contacts.exported',
      createdAt: now.toISOString(),
      workspaceId: exported.workspaceId,
      exportId: exported._id,
      contacts: rows,
    });
    const delivery: CrmDeliveryDocument = {
      _id: deliveryId,
      scope,
      event: 'contacts.exported',
      exportId: exported._id,
      userId: actor.userId,
      contactCount: exported.contactIds.length,
      creditsCharged: exported.creditsCharged,
      body,
      contactIds: rows.map((row) => row.id),
      replayable: true,
      status: 'PENDING',
      attempts: 0,
      // Leased for the first attempt below; the retry job takes over if this process dies meanwhile.
      nextAttemptAt: new Date(now.getTime() + ATTEMPT_LEASE_MS),
      lastStatusCode: null,
      lastError: null,
      createdAt: now,
      deliveredAt: null,
    };
    try {
      await this.deliveries.create(delivery);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      const winner = await this.deliveries.findById(deliveryId).lean<CrmDeliveryDocument>();
      if (winner) return { delivery: winner, attempts: await this.attemptsOf(deliveryId) };
      throw error;
    }
    const settled = await this.deliverer.attempt(delivery, 'PUSH');
    return { delivery: settled, attempts: await this.attemptsOf(deliveryId) };
  }

  /**
   * CON-08 notice: a contact the scope had revealed opted out; its CRM hears of it (free, once per
   * scope and contact), so it can delete the person too. Nothing is sent without a webhook.
   */
  async notifyOptedOut(scope: string, workspaceId: string | null, contactId: string, optedOutAt: Date): Promise<CrmDeliveryDocument | null> {
    if (!(await this.webhooks.exists({ _id: scope }))) return null;
    const deliveryId = optOutDeliveryIdOf(scope, contactId);
    const now = this.clock.now();
    const delivery: CrmDeliveryDocument = {
      _id: deliveryId,
      scope,
      event: 'contact.opted_out',
      exportId: null,
      userId: null,
      contactCount: 1,
      creditsCharged: 0,
      body: JSON.stringify({ id: deliveryId, type: 'contact.opted_out', createdAt: now.toISOString(), workspaceId, contactId, optedOutAt: optedOutAt.toISOString() }),
      status: 'PENDING',
      attempts: 0,
      nextAttemptAt: new Date(now.getTime() + ATTEMPT_LEASE_MS),
      lastStatusCode: null,
      lastError: null,
      createdAt: now,
      deliveredAt: null,
    };
    try {
      await this.deliveries.create(delivery);
    } catch (error) {
      // Redelivered event: the notice exists and the retry job owns it.
      if (isDuplicateKeyError(error)) return null;
      throw error;
    }
    return this.deliverer.attempt(delivery, 'PUSH');
  }

  /** Sends a delivery's payload again with a fresh signature; never charges. */
  async replay(caller: Caller, deliveryId: string): Promise<CrmPushResult> {
    const actor = requireScope(caller, 'contacts:export');
    const scope = revealScope(actor).scope;
    const delivery = await this.deliveries.findOne({ _id: deliveryId, scope }).lean<CrmDeliveryDocument>();
    if (!delivery) throw notFound('No such CRM delivery');
    if (delivery.replayable === false || delivery.body === null) {
      throw conflict('This delivery can no longer be replayed: its payload was deleted after a person in it exercised their right to erasure or objection');
    }
    const settled = await this.deliverer.attempt(delivery, 'REPLAY');
    return { delivery: settled, attempts: await this.attemptsOf(deliveryId) };
  }

  async page(caller: Caller, first: number | null | undefined, after: string | null | undefined) {
    const actor = requireScope(caller, 'contacts:export');
    const scope = revealScope(actor).scope;
    const size = checkPageSize(first);
    const cursor = after ? decodeCursor(after, deliveryCursorSchema) : null;
    const rows = await this.deliveries
      .find({ scope, ...(cursor ? afterKeyset('createdAt', 'desc', new Date(cursor.at), cursor.id) : {}) })
      .sort({ createdAt: -1, _id: -1 })
      .limit(size + 1)
      .lean<CrmDeliveryDocument[]>();
    const page = rows.slice(0, size);
    const attempts = await this.attemptsLog.find({ deliveryId: { $in: page.map((row) => row._id) } }).sort({ at: 1, _id: 1 }).lean<CrmDeliveryAttemptDocument[]>();
    const items = page.map((delivery) => ({
      delivery,
      attempts: attempts.filter((attempt) => attempt.deliveryId === delivery._id),
      cursor: encodeCursor({ at: delivery.createdAt.getTime(), id: delivery._id }),
    }));
    return { items, hasNextPage: rows.length > size, endCursor: items.at(-1)?.cursor ?? null };
  }

  private attemptsOf(deliveryId: string): Promise<CrmDeliveryAttemptDocument[]> {
    return this.attemptsLog.find({ deliveryId }).sort({ at: 1, _id: 1 }).lean<CrmDeliveryAttemptDocument[]>();
  }

  /**
   * CON-08 / PRV-05: a person who opted out or was erased leaves the stored delivery bodies (their
   * rows removed, the rest kept for replays); the delivery log entry stays for the workspace's audit.
   */
  async contactsOptedOut(contactIds: string[]): Promise<void> {
    await this.eraseContacts(contactIds);
  }

  /** Removes these contacts' rows from every stored delivery body; returns how many deliveries changed. */
  async eraseContacts(contactIds: string[]): Promise<number> {
    if (contactIds.length === 0) return 0;
    const erased = new Set(contactIds);
    const holding = await this.deliveries.find({ contactIds: { $in: contactIds } }, { _id: 1 }).lean<Array<{ _id: string }>>();
    let changed = 0;
    for (const { _id } of holding) if (await eraseFromDelivery(this.deliveries, _id, erased)) changed += 1;
    return changed;
  }

  /** PRV-05 answer: deliveries the person was erased from (kept on the delivery, so a retried request counts the same). */
  async erasedDeliveriesOf(contactIds: string[]): Promise<number> {
    if (contactIds.length === 0) return 0;
    return this.deliveries.countDocuments({ erasedContactIds: { $in: contactIds } });
  }

  /** The exported form of the contacts, with the details revealed in the scope only; opted-out and restricted (PRV-02) ones left out. */
  private async rows(scope: string, contactIds: string[]) {
    const [contacts, reveals] = await Promise.all([
      this.contacts.find({ _id: { $in: contactIds }, restrictedAt: null }, { searchTokens: 0 }).lean<ContactDocument[]>(),
      this.reveals.find({ _id: { $in: contactIds.map((id) => revealId(scope, id)) } }, { outbox: 0 }).lean<RevealDocument[]>(),
    ]);
    return contactIds.flatMap((id) => {
      const contact = contacts.find((candidate) => candidate._id === id);
      const reveal = reveals.find((entry) => entry.contactId === id) ?? null;
      return contact && !reveal?.optedOutAt ? [exportRow(contact, revealedFieldsOf(reveal))] : [];
    });
  }

}

/**
 * PRV-05 / CON-08: takes these contacts' rows out of one stored delivery body, by one guarded
 * rewrite (the body read is the body replaced), retried if another erasure wrote first. A body that
 * cannot be rewritten safely is dropped, and with it any retry or replay. False when the delivery
 * held none of them.
 */
async function eraseFromDelivery(deliveries: CrmDeliveryModel, deliveryId: string, erased: ReadonlySet<string>): Promise<boolean> {
  for (let attempt = 0; attempt < REDACT_ATTEMPTS; attempt += 1) {
    const delivery = await deliveries.findById(deliveryId, { body: 1, contactIds: 1, status: 1 }).lean<Pick<CrmDeliveryDocument, '_id' | 'body' | 'contactIds' | 'status'>>();
    if (!delivery) return false;
    const removed = (delivery.contactIds ?? []).filter((id) => erased.has(id));
    if (removed.length === 0) return false;
    const redaction = redactBody(delivery.body, erased);
    const set: Partial<CrmDeliveryDocument> =
      redaction.kind === 'REWRITTEN'
        ? { body: redaction.body }
        : redaction.kind === 'UNCHANGED'
          ? {}
          : { body: null, replayable: false, ...(delivery.status === 'PENDING' ? { status: 'FAILED' as const, nextAttemptAt: null, lastError: 'payload deleted (erasure)' } : {}) };
    const written = await deliveries.updateOne(
      { _id: deliveryId, body: delivery.body },
      { $set: set, $pull: { contactIds: { $in: removed } }, $addToSet: { erasedContactIds: { $each: removed } } },
    );
    if (written.modifiedCount === 1) return true;
  }
  throw new Error(`CRM delivery ${deliveryId} kept changing during an erasure; the erasure will be retried`);
}

/**
 * One-off, at start-up: deliveries stored before `contactIds` existed get it (from their body, or
 * their export when the body cannot be read), so an erasure finds them by index from then on.
 * Returns how many were indexed.
 */
export async function indexLegacyDeliveries(deliveries: CrmDeliveryModel, exports: ExportModel, logger: Logger): Promise<number> {
  let indexed = 0;
  for (;;) {
    const batch = await deliveries
      .find({ event: 'contacts.exported', contactIds: { $exists: false } }, { body: 1, exportId: 1 })
      .limit(RETRY_BATCH)
      .lean<Array<Pick<CrmDeliveryDocument, '_id' | 'body' | 'exportId'>>>();
    if (batch.length === 0) break;
    for (const delivery of batch) {
      let contactIds = contactIdsInBody(delivery.body);
      if (contactIds === null) {
        const exported = delivery.exportId ? await exports.findById(delivery.exportId, { contactIds: 1 }).lean<Pick<ExportDocument, '_id' | 'contactIds'>>() : null;
        contactIds = exported?.contactIds ?? [];
      }
      const written = await deliveries.updateOne({ _id: delivery._id, contactIds: { $exists: false } }, { $set: { contactIds } });
      indexed += written.modifiedCount;
    }
  }
  if (indexed > 0) logger.info({ deliveries: indexed }, 'CRM deliveries indexed by contact');
  return indexed;
}

/**
 * Sends deliveries: one signed POST per attempt, logged; failures rescheduled with exponential
 * backoff until the attempts are used up. `retryDue` is the job (the injected clock decides what is due).
 */
export class CrmDeliverer {
  constructor(
    private readonly webhooks: CrmWebhookModel,
    private readonly deliveries: CrmDeliveryModel,
    private readonly attemptsLog: CrmDeliveryAttemptModel,
    private readonly settings: CrmWebhookSettings,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly contacts: ContactModel,
  ) {}

  /**
   * What an attempt may send now: an exported body without the contacts no longer held (erased, opted
   * out, purged) or restricted since it was written (PRV-02, PRV-05, CON-08); null when nothing can be sent.
   */
  private async sendableBody(delivery: CrmDeliveryDocument): Promise<string | null> {
    if (delivery.body === null || delivery.replayable === false) return null;
    if (delivery.event !== 'contacts.exported') return delivery.body;
    const read = readExportedBody(delivery.body);
    if (read === null) return null;
    const { ids } = read;
    if (ids.length === 0) return delivery.body;
    const held = await this.contacts.find({ _id: { $in: ids } }, { _id: 1, restrictedAt: 1 }).lean<Array<Pick<ContactDocument, '_id' | 'restrictedAt'>>>();
    const heldIds = new Set(held.map((contact) => contact._id));
    const gone = ids.filter((id) => !heldIds.has(id));
    // Deleted since the body was written (an erasure that raced the push, a retention purge): they leave the stored body too.
    if (gone.length > 0 && delivery.contactIds !== undefined) await eraseFromDelivery(this.deliveries, delivery._id, new Set(gone));
    const sendable = new Set(held.filter((contact) => !contact.restrictedAt).map((contact) => contact._id));
    const redaction = withoutContacts(read, new Set(ids.filter((id) => !sendable.has(id))));
    return redaction.kind === 'REWRITTEN' ? redaction.body : delivery.body;
  }

  /** Job: retries deliveries whose next attempt is due (the injected clock decides). Returns how many were tried. */
  async retryDue(): Promise<number> {
    let tried = 0;
    for (;;) {
      const now = this.clock.now();
      const claimed = await this.deliveries
        .findOneAndUpdate({ status: 'PENDING', nextAttemptAt: { $lte: now } }, { $set: { nextAttemptAt: new Date(now.getTime() + ATTEMPT_LEASE_MS) } }, { new: true, sort: { nextAttemptAt: 1 } })
        .lean<CrmDeliveryDocument>();
      if (!claimed) return tried;
      await this.attempt(claimed, 'RETRY');
      tried += 1;
      if (tried >= RETRY_BATCH) return tried;
    }
  }

  /** One HTTP attempt to the scope's current URL, signed now with its current secret; logged; the delivery updated. */
  async attempt(delivery: CrmDeliveryDocument, trigger: AttemptTrigger): Promise<CrmDeliveryDocument> {
    const webhook = await this.webhooks.findById(delivery.scope).lean<CrmWebhookDocument>();
    const startedAt = this.clock.now();
    const started = Date.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    const body = await this.sendableBody(delivery);
    if (!webhook) {
      error = 'no CRM webhook configured';
    } else if (body === null) {
      error = 'payload deleted (erasure)';
    } else {
      try {
        const response = await fetch(webhook.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'leadgraph-webhooks/1',
            [SIGNATURE_HEADER]: signatureHeader(body, startedAt, webhook.secret),
            'Leadgraph-Delivery': delivery._id,
            'Leadgraph-Event': delivery.event,
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(this.settings.requestTimeoutMs ?? 10_000),
        });
        statusCode = response.status;
        await response.arrayBuffer().catch(() => undefined);
        if (!isSuccessStatus(response.status)) error = `HTTP ${response.status}`;
      } catch (failure) {
        error = failure instanceof Error ? `${failure.name}: ${failure.message}`.slice(0, 300) : 'request failed';
      }
    }
    const ok = error === null;
    await this.attemptsLog.create({
      _id: new Types.ObjectId().toHexString(),
      deliveryId: delivery._id,
      scope: delivery.scope,
      trigger,
      url: webhook?.url ?? '',
      at: startedAt,
      statusCode,
      error,
      ok,
      durationMs: Date.now() - started,
    });
    const attempts = delivery.attempts + 1;
    const finished = this.clock.now();
    let update: Partial<CrmDeliveryDocument>;
    if (ok) update = { status: 'DELIVERED', deliveredAt: delivery.deliveredAt ?? finished, nextAttemptAt: null };
    else if (trigger === 'REPLAY') update = {};
    // Nothing left to send: no point retrying.
    else if (webhook && body === null) update = { status: 'FAILED', nextAttemptAt: null };
    else {
      const next = nextAttemptAt(attempts, this.settings.maxAttempts, this.settings.retryBaseSeconds, finished);
      update = next ? { status: 'PENDING', nextAttemptAt: next } : { status: 'FAILED', nextAttemptAt: null };
    }
    const saved = await this.deliveries
      .findOneAndUpdate({ _id: delivery._id }, { $set: { ...update, lastStatusCode: statusCode, lastError: error }, $inc: { attempts: 1 } }, { new: true })
      .lean<CrmDeliveryDocument>();
    if (!ok) this.logger.warn({ deliveryId: delivery._id, trigger, statusCode, error }, 'CRM webhook delivery failed');
    return saved ?? { ...delivery, ...update, attempts };
  }
}

function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}
