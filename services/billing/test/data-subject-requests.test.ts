import {
  dataSubjectExportPartSchema,
  dataSubjectRequestDetailsSchema,
  type DataSubjectExportPart,
  type DataSubjectRequestAnswer,
  type DataSubjectRequestDetails,
  type DataSubjectRight,
} from '@leadgraph/events';
import { identifierHash, openDataSubjectPayload, sealDataSubjectPayload } from '@leadgraph/platform';
import { eventually, uniqueName, userCaller } from '@leadgraph/platform/src/testing';
import { DAY, grantOf, startCreditsUnderTest, workspace, type CreditsUnderTest } from './credits-harness';
import { ERASED_USER_ID } from '../src/data-subject-requests/data-subject-request.service';
import { creditAccountModel } from '../src/credits/credit.model';
import { ACCOUNTING_RETENTION_BASIS, CREDITS_RETENTION_BASIS, OBJECTION_NOTE } from '../src/data-subject-requests/data-subject-request.rules';
import { paymentMethodModel } from '../src/payment-methods/payment-method.model';
import {
  cardPaymentMethod,
  expectEvents,
  startBillingUnderTest,
  subscribeWorkspace,
  subscriptionOf,
  workspaceAdmin,
  workspaceBilling,
  type BillingUnderTest,
} from './subscriptions-harness';

const DAY_MS = 86_400_000;

describe("billing's part of data-subject requests (PRV-02, PRV-05)", () => {
  let h: BillingUnderTest;

  beforeAll(async () => {
    h = await startBillingUnderTest('2027-03-01T09:00:00.000Z');
  });
  afterAll(async () => {
    await h.stop();
  });

  /** Privacy opens a verified request (PRV-03) on the real NATS. */
  const openRequest = async (right: DataSubjectRight, userId: string | null, details: DataSubjectRequestDetails | null = null, email: string | null = null) => {
    const now = h.clock.now();
    const key = { secret: h.config.IDENTIFIER_HASH_KEY, version: h.config.IDENTIFIER_HASH_KEY_VERSION };
    return h.publish('DataSubjectRequestOpened', {
      requestId: uniqueName('dsr'),
      right,
      userId,
      identifiers: email ? [{ kind: 'EMAIL', hash: identifierHash('EMAIL', email, key), keyVersion: key.version }] : [],
      sealedDetails: details ? sealDataSubjectPayload(dataSubjectRequestDetailsSchema.parse(details), h.config.DATA_SUBJECT_SEAL_KEY) : null,
      dueAt: new Date(now.getTime() + 30 * DAY_MS).toISOString(),
      openedAt: now.toISOString(),
    });
  };

  /** Billing's answer, published exactly once on NATS. */
  const answerTo = async (requestId: string): Promise<DataSubjectRequestAnswer> => {
    const [event] = await expectEvents(h, 'DataSubjectRequestAnsweredByBilling', (data) => data.requestId === requestId);
    if (!event) throw new Error('no answer');
    expect(event.source).toBe('/leadgraph/billing');
    return event.data;
  };

  const openExport = (answer: DataSubjectRequestAnswer): DataSubjectExportPart => {
    if (!answer.sealedExport) throw new Error('no sealed export');
    return dataSubjectExportPartSchema.parse(openDataSubjectPayload(answer.sealedExport, h.config.DATA_SUBJECT_SEAL_KEY));
  };

  const recordOf = (part: DataSubjectExportPart, dataCategory: string) => {
    const record = part.records.find((candidate) => candidate.dataCategory === dataCategory);
    if (!record) throw new Error(`no ${dataCategory} record in ${JSON.stringify(part.records.map((candidate) => candidate.dataCategory))}`);
    return record;
  };

  /** A user with registration credits (ACC-04) who bought a PREMIUM plan for their workspace. */
  const customer = async () => {
    const admin = workspaceAdmin();
    const billingEmail = `${uniqueName('billing')}@acme-industries.test`;
    await h.publish('LinkedInProfileLinked', { userId: admin.userId, linkedAt: h.clock.now().toISOString() });
    await eventually(async () => expect(await creditAccountModel(h.billing.infra.connection).exists({ _id: `USER:${admin.userId}` })).not.toBeNull());
    const paymentMethodId = await cardPaymentMethod(h);
    const bought = await subscribeWorkspace(h, admin, { planId: 'starter-monthly', seats: 1, billingEmail, paymentMethodId });
    expect(bought.outcome).toBe('APPLIED');
    const subscription = await subscriptionOf(h, admin.workspaceId);
    const stripeCustomerId = subscription.stripe?.customerId;
    if (!stripeCustomerId) throw new Error('no Stripe customer');
    const invoiceId = bought.charge?.invoice.id;
    if (!invoiceId) throw new Error('no invoice');
    return { admin, billingEmail, paymentMethodId, stripeCustomerId, invoiceId, subscriptionId: subscription._id };
  };

  it('[PRV-02] access: a sealed export of the billing customer, payment methods as stored, subscriptions, invoices and credits, with purposes, legal bases and sources', async () => {
    const person = await customer();
    const opened = await openRequest('ACCESS', person.admin.userId);
    const answer = await answerTo(opened.data.requestId);

    expect(answer).toMatchObject({ service: 'billing', right: 'ACCESS', outcome: 'CARRIED_OUT', retained: [] });
    expect(answer.actions.map((action) => [action.dataCategory, action.action, action.count])).toEqual([
      ['BILLING_CUSTOMER', 'EXPORTED', 1],
      ['PAYMENT_METHODS', 'EXPORTED', 1],
      ['SUBSCRIPTIONS', 'EXPORTED', 1],
      ['ACCOUNTING', 'EXPORTED', 1],
      ['CREDITS', 'EXPORTED', 4],
    ]);
    // Nothing personal travels in clear.
    const [event] = await expectEvents(h, 'DataSubjectRequestAnsweredByBilling', (data) => data.requestId === opened.data.requestId);
    expect(JSON.stringify(event)).not.toContain(person.billingEmail);

    const part = openExport(answer);
    for (const record of part.records) {
      expect(record.purpose).not.toHaveLength(0);
      expect(record.legalBasis).not.toHaveLength(0);
      expect(record.source).not.toHaveLength(0);
    }
    const customerRecord = recordOf(part, 'BILLING_CUSTOMER');
    expect(customerRecord.legalBasis).toContain('Legal obligation: accounting');
    expect(customerRecord.data).toMatchObject({
      stripeCustomers: [{ owner: `WORKSPACE:${person.admin.workspaceId}`, email: person.billingEmail, billingAddress: { country: 'FR' } }],
      billingDetails: [{ subscriptionId: person.subscriptionId, country: 'FR', vatNumber: null, vatTreatment: 'DOMESTIC', email: person.billingEmail }],
    });
    expect(recordOf(part, 'PAYMENT_METHODS').data).toEqual([
      { owner: `WORKSPACE:${person.admin.workspaceId}`, kind: 'CARD', brand: 'visa', last4: '4242', isDefault: true, attachedAt: '2027-03-01T09:00:00.000Z' },
    ]);
    expect(recordOf(part, 'SUBSCRIPTIONS').data).toEqual([
      expect.objectContaining({ id: person.subscriptionId, planId: 'starter-monthly', seats: 1, status: 'ACTIVE', currentPeriodStart: '2027-03-01T09:00:00.000Z' }),
    ]);
    const invoices = recordOf(part, 'ACCOUNTING');
    expect(invoices.legalBasis).toContain(ACCOUNTING_RETENTION_BASIS);
    expect(invoices.data).toEqual([
      expect.objectContaining({ purpose: 'SUBSCRIPTION', status: 'PAID', vatRateBasisPoints: 2000, issuedAt: '2027-03-01T09:00:00.000Z', retainedUntil: '2038-01-01T00:00:00.000Z' }),
    ]);
    const [invoice] = invoices.data as Array<{ number: string | null; totalCents: number; vatCents: number; subtotalCents: number }>;
    expect(invoice?.number).toEqual(expect.any(String));
    expect(invoice?.totalCents).toBe((invoice?.subtotalCents ?? 0) + (invoice?.vatCents ?? 0));
    expect(recordOf(part, 'CREDITS').data).toMatchObject({ personalBalances: { PHONE: 5, DIRECT_EMAIL: 5, EXPORT: 10 } });
    // Never Stripe ids or secrets: only what billing stores of a card.
    const exported = JSON.stringify(part);
    expect(exported).not.toContain(person.paymentMethodId);
    expect(exported).not.toContain('sk_');
  });

  it('[PRV-05] erasure after the account was deleted: payment methods detached at Stripe and deleted, contact and personal credits erased, invoices kept restricted and the answer says so', async () => {
    const person = await customer();
    await h.publish('AccountDeleted', {
      userId: person.admin.userId,
      deletedAt: h.clock.now().toISOString(),
      deletedWorkspaceId: person.admin.workspaceId,
      leftWorkspaceId: null,
    });
    // The PREMIUM ends at the end of its period (ACC-06, BIL-11).
    await eventually(async () => expect((await subscriptionOf(h, person.admin.workspaceId)).scheduledChange?.kind).toBe('EARLY_TERMINATION'));
    await h.runUntil('2027-04-01T09:00:00.000Z');
    await eventually(async () => {
      expect((await subscriptionOf(h, person.admin.workspaceId)).status).toBe('TERMINATED');
      expect((await creditAccountModel(h.billing.infra.connection).findById(`USER:${person.admin.userId}`).lean())?.closed?.reason).toBe('ACCOUNT_DELETED');
    });

    const opened = await openRequest('ERASURE', person.admin.userId);
    const answer = await answerTo(opened.data.requestId);

    expect(answer.outcome).toBe('CARRIED_OUT');
    expect(answer.retained).toEqual([{ dataCategory: 'ACCOUNTING', legalBasis: ACCOUNTING_RETENTION_BASIS, keptUntil: '2038-01-01T00:00:00.000Z' }]);
    const actions = Object.fromEntries(answer.actions.map((action) => [`${action.dataCategory}/${action.action}`, action.count]));
    const invoiceCount = await h.invoices.countDocuments({ subscriptionId: person.subscriptionId });
    expect(invoiceCount).toBeGreaterThan(0);
    expect(actions).toMatchObject({ 'PAYMENT_METHODS/ERASED': 1, 'BILLING_CONTACT/ERASED': 2, 'ACCOUNTING/RESTRICTED': invoiceCount, 'SUBSCRIPTIONS/RESTRICTED': 1 });
    expect(actions['CREDITS/ERASED']).toBeGreaterThan(0);

    // Payment methods: gone here, detached at Stripe.
    expect(await paymentMethodModel(h.billing.infra.connection).countDocuments({ 'owner.ownerId': person.admin.workspaceId })).toBe(0);
    expect((await h.stripeClient.paymentMethods.retrieve(person.paymentMethodId)).customer).toBeNull();
    // Contact details gone at Stripe and here; the name, address and VAT data for accounting stay.
    const stripeCustomer = await h.stripeClient.customers.retrieve(person.stripeCustomerId);
    expect(stripeCustomer.deleted).toBeUndefined();
    if (!stripeCustomer.deleted) {
      expect(stripeCustomer.email).toBeNull();
      expect(stripeCustomer.address?.country).toBe('FR');
    }
    const subscription = await subscriptionOf(h, person.admin.workspaceId);
    expect(subscription.billing?.email).toBeUndefined();
    expect(subscription.billing?.country).toBe('FR');
    expect(subscription.processingRestrictedAt).toEqual(h.clock.now());
    // Personal credits of the deleted account: gone.
    expect(await creditAccountModel(h.billing.infra.connection).exists({ _id: `USER:${person.admin.userId}` })).toBeNull();
    // The invoices stay, restricted, until the end of their retention (BIL-17).
    expect(await h.invoices.countDocuments({ subscriptionId: person.subscriptionId, processingRestrictedAt: h.clock.now() })).toBe(invoiceCount);
    const invoice = await h.invoices.findById(person.invoiceId).lean();
    expect(invoice?.processingRestrictedAt).toEqual(h.clock.now());
    expect(invoice?.retainedUntil.toISOString()).toBe('2038-01-01T00:00:00.000Z');
  });

  it('[PRV-05] erasure while the subscription runs: payment methods go, the billing e-mail the contract still needs is kept and said so, invoices restricted', async () => {
    const person = await customer();
    const opened = await openRequest('ERASURE', person.admin.userId);
    const answer = await answerTo(opened.data.requestId);

    expect(answer.retained.map((entry) => [entry.dataCategory, entry.keptUntil])).toEqual([
      ['ACCOUNTING', '2038-01-01T00:00:00.000Z'],
      ['BILLING_CONTACT', null],
      ['CREDITS', null],
    ]);
    expect((await workspaceBilling(h, person.admin)).paymentMethods).toEqual([]);
    expect((await h.stripeClient.paymentMethods.retrieve(person.paymentMethodId)).customer).toBeNull();
    expect((await subscriptionOf(h, person.admin.workspaceId)).billing?.email).toBe(person.billingEmail);
    expect((await h.invoices.findById(person.invoiceId).lean())?.processingRestrictedAt).toEqual(h.clock.now());
  });

  it('[PRV-02] rectification: the corrected names go to the Stripe customer for future invoices; issued invoices are not altered', async () => {
    const person = await customer();
    const before = await h.invoices.findById(person.invoiceId).lean();
    const opened = await openRequest('RECTIFICATION', person.admin.userId, {
      corrections: [
        { field: 'FULL_NAME', value: 'Jane Rectified' },
        { field: 'COMPANY_NAME', value: 'Acme Rectified SAS' },
        { field: 'JOB_TITLE', value: 'CFO' },
      ],
      directive: null,
    });
    const answer = await answerTo(opened.data.requestId);

    expect(answer.outcome).toBe('CARRIED_OUT');
    expect(answer.actions).toEqual([{ dataCategory: 'BILLING_CUSTOMER', action: 'RECTIFIED', count: 1, note: expect.stringContaining('never altered') }]);
    const stripeCustomer = await h.stripeClient.customers.retrieve(person.stripeCustomerId);
    if (stripeCustomer.deleted) throw new Error('customer deleted');
    expect(stripeCustomer.name).toBe('Acme Rectified SAS');
    expect(stripeCustomer.metadata.leadgraph_contact_name).toBe('Jane Rectified');
    expect(await h.invoices.findById(person.invoiceId).lean()).toEqual(before);

    // Corrections of what billing does not hold (job title, location): nothing to rectify here.
    const other = await openRequest('RECTIFICATION', person.admin.userId, { corrections: [{ field: 'LOCATION', value: 'Lyon' }], directive: null });
    expect(await answerTo(other.data.requestId)).toMatchObject({ outcome: 'NO_DATA_HELD', actions: [] });
  });

  it('[PRV-02] restriction marks the billing records; objection is applied; consent withdrawal and directives find nothing consent-based', async () => {
    const person = await customer();
    const restriction = await answerTo((await openRequest('RESTRICTION', person.admin.userId)).data.requestId);
    expect(restriction.outcome).toBe('CARRIED_OUT');
    expect(restriction.actions.map((action) => [action.dataCategory, action.action, action.count])).toEqual([
      ['SUBSCRIPTIONS', 'RESTRICTED', 1],
      ['ACCOUNTING', 'RESTRICTED', 1],
    ]);
    expect((await subscriptionOf(h, person.admin.workspaceId)).processingRestrictedAt).toEqual(h.clock.now());
    expect((await h.invoices.findById(person.invoiceId).lean())?.processingRestrictedAt).toEqual(h.clock.now());

    const objection = await answerTo((await openRequest('OBJECTION', person.admin.userId)).data.requestId);
    expect(objection).toMatchObject({ outcome: 'CARRIED_OUT', actions: [{ dataCategory: 'BILLING', action: 'OBJECTION_APPLIED', count: 1, note: OBJECTION_NOTE }] });
    for (const right of ['CONSENT_WITHDRAWAL', 'POST_MORTEM_DIRECTIVE'] as const) {
      expect(await answerTo((await openRequest(right, person.admin.userId)).data.requestId)).toMatchObject({ right, outcome: 'NO_DATA_HELD', actions: [], retained: [] });
    }
  });

  /** Privacy lifts the restriction a RESTRICTION request obtained (PRV-05, GDPR art. 18(3)). */
  const liftRestriction = (requestId: string, userId: string | null) =>
    h.publish('DataSubjectRestrictionLifted', { requestId, userId, identifiers: [], liftedAt: h.clock.now().toISOString() });

  const restrictionOf = async (person: { subscriptionId: string; invoiceId: string }) => {
    const subscription = await h.subscriptions.findById(person.subscriptionId).lean();
    const invoice = await h.invoices.findById(person.invoiceId).lean();
    return {
      subscription: { at: subscription?.processingRestrictedAt ?? null, by: subscription?.processingRestrictedBy ?? null },
      invoice: { at: invoice?.processingRestrictedAt ?? null, by: invoice?.processingRestrictedBy ?? null },
    };
  };

  it('[PRV-02] a lifted restriction: the records that request restricted are processed again; lifting again changes nothing', async () => {
    const person = await customer();
    const opened = await openRequest('RESTRICTION', person.admin.userId);
    await answerTo(opened.data.requestId);
    const restricted = await restrictionOf(person);
    expect(restricted.subscription).toEqual({ at: h.clock.now(), by: [opened.data.requestId] });
    expect(restricted.invoice).toEqual({ at: h.clock.now(), by: [opened.data.requestId] });

    await liftRestriction(opened.data.requestId, person.admin.userId);
    await eventually(async () => {
      const lifted = await restrictionOf(person);
      expect(lifted.subscription).toEqual({ at: null, by: null });
      expect(lifted.invoice).toEqual({ at: null, by: null });
    });
    // Lifting again (privacy retrying) or an unknown request: nothing changes.
    expect(await h.billing.dataSubjectRequests.liftRestriction({ requestId: opened.data.requestId, userId: person.admin.userId, identifiers: [], liftedAt: h.clock.now().toISOString() })).toEqual({ lifted: 0, stillRestricted: 0 });
    expect(await h.billing.dataSubjectRequests.liftRestriction({ requestId: uniqueName('dsr'), userId: null, identifiers: [], liftedAt: h.clock.now().toISOString() })).toEqual({ lifted: 0, stillRestricted: 0 });
    expect(await restrictionOf(person)).toEqual({ subscription: { at: null, by: null }, invoice: { at: null, by: null } });
  });

  it('[PRV-05] lifting a restriction never lifts the legal retention of an erasure: the invoices stay restricted', async () => {
    const person = await customer();
    const restriction = await openRequest('RESTRICTION', person.admin.userId);
    await answerTo(restriction.data.requestId);
    const erasure = await openRequest('ERASURE', person.admin.userId);
    await answerTo(erasure.data.requestId);
    const restrictedAt = h.clock.now();
    expect((await restrictionOf(person)).invoice).toEqual({ at: restrictedAt, by: [restriction.data.requestId, 'LEGAL_RETENTION'] });

    await liftRestriction(restriction.data.requestId, person.admin.userId);
    // Handled once the request's own cause is gone; the erasure's remains, and with it the restriction.
    await eventually(async () => expect((await restrictionOf(person)).invoice.by).toEqual(['LEGAL_RETENTION']));
    expect(await restrictionOf(person)).toEqual({
      subscription: { at: restrictedAt, by: ['LEGAL_RETENTION'] },
      invoice: { at: restrictedAt, by: ['LEGAL_RETENTION'] },
    });
    const invoice = await h.invoices.findById(person.invoiceId).lean();
    expect(invoice?.retainedUntil.toISOString()).toBe('2038-01-01T00:00:00.000Z');
  });

  it('[PRV-05] lifting one restriction request keeps what another still-active one, or a restriction recorded without its cause, restricted', async () => {
    const person = await customer();
    // The invoice restricted before causes were recorded (its cause unknown).
    const legacyAt = h.clock.now();
    await h.invoices.updateOne({ _id: person.invoiceId }, { $set: { processingRestrictedAt: legacyAt } });
    const first = await openRequest('RESTRICTION', person.admin.userId);
    await answerTo(first.data.requestId);
    const second = await openRequest('RESTRICTION', person.admin.userId);
    await answerTo(second.data.requestId);
    expect((await restrictionOf(person)).subscription.by).toEqual([first.data.requestId, second.data.requestId]);
    expect((await restrictionOf(person)).invoice).toEqual({ at: legacyAt, by: ['UNRECORDED', first.data.requestId, second.data.requestId] });

    await liftRestriction(first.data.requestId, person.admin.userId);
    await eventually(async () => expect((await restrictionOf(person)).subscription.by).toEqual([second.data.requestId]));
    expect((await restrictionOf(person)).subscription.at).toEqual(h.clock.now());

    await liftRestriction(second.data.requestId, person.admin.userId);
    await eventually(async () => expect((await restrictionOf(person)).subscription).toEqual({ at: null, by: null }));
    // The restriction whose cause was never recorded is never lifted by a request.
    expect((await restrictionOf(person)).invoice).toEqual({ at: legacyAt, by: ['UNRECORDED'] });
  });

  it('[PRV-05] a billing contact without an account is found by their e-mail\'s keyed hash: export of their address, kept while the subscription runs', async () => {
    const person = await customer();
    const access = await answerTo((await openRequest('ACCESS', null, null, person.billingEmail.toUpperCase())).data.requestId);
    expect(access.actions).toEqual([{ dataCategory: 'BILLING_CONTACT', action: 'EXPORTED', count: 1, note: null }]);
    expect(openExport(access).records).toEqual([
      expect.objectContaining({
        dataCategory: 'BILLING_CONTACT',
        data: [{ subscriptionId: person.subscriptionId, owner: `WORKSPACE:${person.admin.workspaceId}`, status: 'ACTIVE', email: person.billingEmail }],
      }),
    ]);
    const erasure = await answerTo((await openRequest('ERASURE', null, null, person.billingEmail)).data.requestId);
    expect(erasure).toMatchObject({ outcome: 'CARRIED_OUT', actions: [], retained: [{ dataCategory: 'BILLING_CONTACT', keptUntil: null }] });
    expect((await subscriptionOf(h, person.admin.workspaceId)).billing?.email).toBe(person.billingEmail);
  });

  it('[PRV-05] an unknown person, or one without an account or billing contact, is answered NO_DATA_HELD', async () => {
    for (const [userId, email] of [
      [uniqueName('stranger'), null],
      [null, null],
      [null, 'nobody@nowhere.test'],
    ] as const) {
      for (const right of ['ACCESS', 'ERASURE'] as const) {
        const answer = await answerTo((await openRequest(right, userId, null, email)).data.requestId);
        expect(answer).toMatchObject({ right, outcome: 'NO_DATA_HELD', actions: [], retained: [], sealedExport: null });
      }
    }
  });

  it('[PRV-05] a redelivered request is carried out and answered once', async () => {
    const person = await customer();
    const opened = await openRequest('ERASURE', person.admin.userId);
    await answerTo(opened.data.requestId);
    // The same event again, and the same request under a new event id (privacy retrying).
    await h.billing.infra.bus.publish(opened);
    await h.publish('DataSubjectRequestOpened', opened.data);
    // Handled in order: once a later request is answered, both redeliveries were handled.
    const marker = await openRequest('ACCESS', uniqueName('marker'));
    await answerTo(marker.data.requestId);
    const answers = await expectEvents(h, 'DataSubjectRequestAnsweredByBilling', (data) => data.requestId === opened.data.requestId, 1);
    expect(answers).toHaveLength(1);
    expect(await h.billing.dataSubjectRequests.handle(opened.data)).toBe(false);
  });
});

describe("billing's part of data-subject requests: a workspace member's budgets and spends (PRV-02, PRV-05)", () => {
  let env: CreditsUnderTest;

  beforeAll(async () => {
    env = await startCreditsUnderTest();
  });
  afterAll(async () => {
    await env.stop();
  });

  const SET_BUDGET = `mutation ($input: SetCreditBudgetInput!) { setCreditBudget(input: $input) { subjectId monthlyLimit } }`;

  const openRequest = async (right: DataSubjectRight, userId: string) => {
    const now = env.clock.now();
    return env.publish('DataSubjectRequestOpened', {
      requestId: uniqueName('dsr'),
      right,
      userId,
      identifiers: [],
      sealedDetails: null,
      dueAt: new Date(now.getTime() + 30 * DAY).toISOString(),
      openedAt: now.toISOString(),
    });
  };

  const answerTo = async (requestId: string): Promise<DataSubjectRequestAnswer> =>
    eventually(async () => {
      const events = await env.events('DataSubjectRequestAnsweredByBilling', (data) => data.requestId === requestId);
      expect(events).toHaveLength(1);
      const [event] = events;
      if (!event) throw new Error('no answer');
      return event.data;
    }, 15_000);

  /** A member of a PREMIUM workspace, capped by a monthly budget, who spent from the pool. */
  async function memberWhoSpent(): Promise<{ workspaceId: string; memberId: string }> {
    const workspaceId = uniqueName('ws');
    const adminId = uniqueName('admin');
    const memberId = uniqueName('member');
    await env.publish('SubscriptionStarted', {
      subscriptionId: uniqueName('sub'),
      workspaceId,
      subscriberUserId: adminId,
      planId: 'business-monthly',
      seats: 5,
      periodStart: env.clock.now().toISOString(),
      periodEnd: new Date(env.clock.now().getTime() + 60 * DAY).toISOString(),
    });
    await eventually(async () => expect(await env.owners.workspacePlan(workspaceId)).toBe('PREMIUM'));
    await env.ledger.grant(grantOf(workspace(workspaceId), 'PHONE', 100, new Date(env.clock.now().getTime() + 60 * DAY)));
    const budget = await env.call(userCaller({ userId: adminId, workspaceId, workspaceRole: 'ADMIN' }), SET_BUDGET, {
      input: { subjectType: 'MEMBER', subjectId: memberId, creditType: 'PHONE', monthlyLimit: 5 },
    });
    expect(budget.errors).toBeUndefined();
    await env.spendRpc({
      idempotencyKey: uniqueName('spend'),
      caller: { userId: memberId, workspaceId, viaApiTokenId: null },
      creditType: 'PHONE',
      amount: 2,
      reason: 'CONTACT_REVEAL',
      reference: null,
    });
    await eventually(async () => expect(await env.ledgerLines.countDocuments({ 'actor.userId': memberId })).toBe(1));
    return { workspaceId, memberId };
  }

  it('[PRV-02] access: the budgets set on a member and what they spent from the pool are in their export', async () => {
    const { workspaceId, memberId } = await memberWhoSpent();
    const answer = await answerTo((await openRequest('ACCESS', memberId)).data.requestId);
    expect(answer.actions.map((action) => [action.dataCategory, action.count])).toEqual([
      ['CREDITS', 1],
      ['CREDIT_BUDGETS', 1],
    ]);
    if (!answer.sealedExport) throw new Error('no export');
    const part = dataSubjectExportPartSchema.parse(openDataSubjectPayload(answer.sealedExport, env.config.DATA_SUBJECT_SEAL_KEY));
    expect(part.records.find((record) => record.dataCategory === 'CREDIT_BUDGETS')?.data).toEqual([
      { workspaceId, creditType: 'PHONE', monthlyLimit: 5, setAt: env.clock.now().toISOString() },
    ]);
    expect(part.records.find((record) => record.dataCategory === 'CREDITS')?.data).toMatchObject({
      personalBalances: null,
      ledger: [{ owner: `WORKSPACE:${workspaceId}`, kind: 'SPEND', creditType: 'PHONE', amount: 2, reason: 'CONTACT_REVEAL' }],
    });
  });

  it('[PRV-05] erasure while the account exists keeps the budgets and spends (contract), and once the account is gone erases budgets and anonymises spends', async () => {
    const { workspaceId, memberId } = await memberWhoSpent();
    const whileLive = await answerTo((await openRequest('ERASURE', memberId)).data.requestId);
    expect(whileLive).toMatchObject({ outcome: 'CARRIED_OUT', actions: [], retained: [{ dataCategory: 'CREDITS', legalBasis: CREDITS_RETENTION_BASIS, keptUntil: null }] });
    expect(await env.accounts.countDocuments({ _id: `WORKSPACE:${workspaceId}`, 'budgets.subjectId': memberId })).toBe(1);

    await env.publish('AccountDeleted', { userId: memberId, deletedAt: env.clock.now().toISOString(), deletedWorkspaceId: null, leftWorkspaceId: workspaceId });
    await eventually(async () => expect((await env.accounts.findById(`USER:${memberId}`).lean())?.closed?.reason).toBe('ACCOUNT_DELETED'));
    const afterDeletion = await answerTo((await openRequest('ERASURE', memberId)).data.requestId);
    const actions = Object.fromEntries(afterDeletion.actions.map((action) => [`${action.dataCategory}/${action.action}`, action.count]));
    expect(actions).toMatchObject({ 'CREDIT_BUDGETS/ERASED': 1, 'CREDITS/ANONYMISED': 1, 'CREDITS/ERASED': expect.any(Number) });
    expect(afterDeletion.retained).toEqual([]);
    expect(await env.accounts.countDocuments({ _id: `WORKSPACE:${workspaceId}`, 'budgets.subjectId': memberId })).toBe(0);
    expect(await env.ledgerLines.countDocuments({ 'actor.userId': memberId })).toBe(0);
    expect(await env.ledgerLines.countDocuments({ ownerId: workspaceId, 'actor.userId': ERASED_USER_ID })).toBe(1);
    expect(await env.accounts.exists({ _id: `USER:${memberId}` })).toBeNull();
    // Nothing left: a later request finds no data.
    expect(await answerTo((await openRequest('ACCESS', memberId)).data.requestId)).toMatchObject({ outcome: 'NO_DATA_HELD' });
  });
});
