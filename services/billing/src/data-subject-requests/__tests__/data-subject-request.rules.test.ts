import { currentEmailHashes } from '@leadgraph/platform';
import { dataSubjectExportPartSchema, dataSubjectRequestAnswerSchema } from '@leadgraph/events';
import {
  ACCOUNTING_RETENTION_BASIS,
  OBJECTION_NOTE,
  RECTIFICATION_NOTE,
  CONTACT_RETENTION_BASIS,
  accountingKeptUntil,
  answersWithoutAction,
  contactErasureAnswer,
  contactExportAnswer,
  contactExportPart,
  billingExportPart,
  erasureAnswer,
  exportAnswer,
  exportCounts,
  hasNameCorrections,
  holdsData,
  isLiftableCause,
  isLiveSubscription,
  LEGAL_RETENTION_CAUSE,
  mayErasePersonalCredits,
  nameCorrections,
  noDataHeld,
  objectionAnswer,
  rectificationAnswer,
  restrictionAnswer,
  restrictionCauseOf,
  UNRECORDED_CAUSE,
  type BillingAnswer,
  type BillingSnapshot,
  type ErasureOutcome,
} from '../data-subject-request.rules';

const at = (iso: string) => new Date(iso);
/** The answer as the event carries it: the rules' part must fit the contract. */
const asEvent = (answer: BillingAnswer) => dataSubjectRequestAnswerSchema.parse({ ...answer, service: 'billing', answeredAt: '2027-01-01T00:00:00.000Z' });

const nothingErased: ErasureOutcome = {
  paymentMethodsErased: 0,
  contactsErased: 0,
  contactsKeptForLiveSubscriptions: 0,
  creditRecordsErased: 0,
  creditsKept: false,
  budgetsErased: 0,
  ledgerEntriesAnonymised: 0,
  subscriptionsRestricted: 0,
  invoicesRestricted: 0,
  accountingKeptUntil: null,
};

describe('data-subject request rules (PRV-02, PRV-05)', () => {
  it('[PRV-05] billing holds data on a person with a subscription, personal credits, a budget or spends in a pool; else NO_DATA_HELD', () => {
    const none = { subscriptions: 0, personalCreditAccount: false, budgets: 0, ledgerEntriesAsActor: 0 };
    expect(holdsData(none)).toBe(false);
    expect(holdsData({ ...none, subscriptions: 1 })).toBe(true);
    expect(holdsData({ ...none, personalCreditAccount: true })).toBe(true);
    expect(holdsData({ ...none, budgets: 2 })).toBe(true);
    expect(holdsData({ ...none, ledgerEntriesAsActor: 1 })).toBe(true);
    expect(asEvent(noDataHeld('r1', 'ACCESS'))).toMatchObject({ outcome: 'NO_DATA_HELD', actions: [], retained: [], sealedExport: null });
  });

  it('[PRV-02] billing processes nothing on consent and keeps no directives: those rights need no action', () => {
    expect(answersWithoutAction('CONSENT_WITHDRAWAL')).toBe(true);
    expect(answersWithoutAction('POST_MORTEM_DIRECTIVE')).toBe(true);
    for (const right of ['ACCESS', 'PORTABILITY', 'RECTIFICATION', 'ERASURE', 'RESTRICTION', 'OBJECTION'] as const) expect(answersWithoutAction(right)).toBe(false);
  });

  it('[PRV-02] an objection is applied with the note that billing data serves only the contract and legal obligations', () => {
    expect(asEvent(objectionAnswer('r1', 2))).toMatchObject({
      outcome: 'CARRIED_OUT',
      actions: [{ dataCategory: 'BILLING', action: 'OBJECTION_APPLIED', count: 2, note: OBJECTION_NOTE }],
    });
  });

  it('[PRV-05] accounting data is kept until the latest retention end of the invoices (BIL-17)', () => {
    expect(accountingKeptUntil([])).toBeNull();
    expect(accountingKeptUntil([{ retainedUntil: at('2038-01-01T00:00:00.000Z') }, { retainedUntil: at('2039-01-01T00:00:00.000Z') }, { retainedUntil: at('2037-01-01T00:00:00.000Z') }])?.toISOString()).toBe(
      '2039-01-01T00:00:00.000Z',
    );
  });

  it('[PRV-05] an erasure answers what went and that accounting data is kept, restricted, with its legal basis and date', () => {
    const answer = asEvent(
      erasureAnswer('r1', { ...nothingErased, paymentMethodsErased: 2, contactsErased: 1, subscriptionsRestricted: 1, invoicesRestricted: 3, accountingKeptUntil: at('2038-01-01T00:00:00.000Z') }),
    );
    expect(answer.outcome).toBe('CARRIED_OUT');
    expect(answer.actions.map((action) => [action.dataCategory, action.action, action.count])).toEqual([
      ['PAYMENT_METHODS', 'ERASED', 2],
      ['BILLING_CONTACT', 'ERASED', 1],
      ['SUBSCRIPTIONS', 'RESTRICTED', 1],
      ['ACCOUNTING', 'RESTRICTED', 3],
    ]);
    expect(answer.retained).toEqual([{ dataCategory: 'ACCOUNTING', legalBasis: ACCOUNTING_RETENTION_BASIS, keptUntil: '2038-01-01T00:00:00.000Z' }]);
    expect(ACCOUNTING_RETENTION_BASIS).toBe('Legal obligation: accounting records kept 10 years after the end of the fiscal year (French Commercial Code, art. L123-22)');
  });

  it('[PRV-05] an erasure says what the running contract still needs: the billing e-mail of a live subscription, the credits of a live account', () => {
    const answer = asEvent(erasureAnswer('r1', { ...nothingErased, contactsKeptForLiveSubscriptions: 1, creditsKept: true }));
    expect(answer.retained.map((entry) => [entry.dataCategory, entry.keptUntil])).toEqual([
      ['BILLING_CONTACT', null],
      ['CREDITS', null],
    ]);
  });

  it('[PRV-02] personal credits are erased only once the account is gone; subscriptions still binding are live', () => {
    expect(mayErasePersonalCredits(null)).toBe(false);
    expect(mayErasePersonalCredits({ closed: null })).toBe(false);
    expect(mayErasePersonalCredits({ closed: { reason: 'ACCOUNT_DELETED' } })).toBe(true);
    expect(mayErasePersonalCredits({ closed: { reason: 'WORKSPACE_DELETED' } })).toBe(false);
    expect(['PENDING_PAYMENT', 'ACTIVE', 'SUSPENDED', 'PAUSED'].every(isLiveSubscription)).toBe(true);
    expect(['TERMINATED', 'ABANDONED'].some(isLiveSubscription)).toBe(false);
  });

  it('[PRV-02] rectification applies FULL_NAME and COMPANY_NAME (the last of each wins), ignores what billing does not hold', () => {
    const names = nameCorrections({
      corrections: [
        { field: 'FULL_NAME', value: 'Jane Doe' },
        { field: 'COMPANY_NAME', value: 'Acme' },
        { field: 'JOB_TITLE', value: 'CFO' },
        { field: 'COMPANY_NAME', value: ' Acme Industries ' },
      ],
      directive: null,
    });
    expect(names).toEqual({ name: 'Acme Industries', contactName: 'Jane Doe' });
    expect(hasNameCorrections(nameCorrections({ corrections: [{ field: 'LOCATION', value: 'Paris' }], directive: null }))).toBe(false);
    expect(hasNameCorrections(nameCorrections(null))).toBe(false);
    expect(asEvent(rectificationAnswer('r1', 1))).toMatchObject({ outcome: 'CARRIED_OUT', actions: [{ dataCategory: 'BILLING_CUSTOMER', action: 'RECTIFIED', count: 1, note: RECTIFICATION_NOTE }] });
    expect(rectificationAnswer('r1', 0).outcome).toBe('NO_DATA_HELD');
    expect(RECTIFICATION_NOTE).toMatch(/never altered/);
  });

  it('[PRV-02] restriction marks the billing records and the invoices', () => {
    expect(asEvent(restrictionAnswer('r1', { subscriptions: 2, invoices: 0 })).actions).toEqual([{ dataCategory: 'SUBSCRIPTIONS', action: 'RESTRICTED', count: 2, note: null }]);
  });

  it('[PRV-02] the export part lists each category with purpose, legal basis and source, and never more than what is stored of payment methods', () => {
    const snapshot: BillingSnapshot = {
      customers: [
        {
          owner: 'WORKSPACE:w1',
          stripe: { name: 'Acme', contactName: 'Jane Doe', email: 'billing@acme.test', phone: null, address: { country: 'FR' }, taxIds: [] },
        },
      ],
      paymentMethods: [{ owner: 'WORKSPACE:w1', kind: 'CARD', brand: 'visa', last4: '4242', isDefault: true, attachedAt: at('2027-01-01T09:00:00.000Z') }],
      subscriptions: [
        {
          id: 's1',
          owner: 'WORKSPACE:w1',
          kind: 'PREMIUM',
          planId: 'starter-monthly',
          billingPeriod: 'MONTHLY',
          seats: 1,
          pricePerSeatCents: 4900,
          status: 'ACTIVE',
          startedAt: at('2027-01-01T09:00:00.000Z'),
          currentPeriodStart: at('2027-01-01T09:00:00.000Z'),
          currentPeriodEnd: at('2027-02-01T09:00:00.000Z'),
          terminatedAt: null,
          terminationReason: null,
          billing: { country: 'FR', vatNumber: 'FR12345678901', vatTreatment: 'DOMESTIC', email: 'billing@acme.test' },
          processingRestrictedAt: null,
        },
      ],
      invoices: [],
      personalBalances: { PHONE: 5 },
      creditEntries: [],
      budgets: [{ workspaceId: 'w1', creditType: 'PHONE', monthlyLimit: 10, setAt: at('2027-01-02T09:00:00.000Z') }],
    };
    const part = dataSubjectExportPartSchema.parse(JSON.parse(JSON.stringify(billingExportPart(snapshot))));
    expect(part.records.map((record) => record.dataCategory)).toEqual(['BILLING_CUSTOMER', 'PAYMENT_METHODS', 'SUBSCRIPTIONS', 'CREDITS', 'CREDIT_BUDGETS']);
    for (const record of part.records) {
      expect(record.purpose.length).toBeGreaterThan(0);
      expect(record.legalBasis.length).toBeGreaterThan(0);
      expect(record.source.length).toBeGreaterThan(0);
    }
    expect(part.records[1]?.data).toEqual([{ owner: 'WORKSPACE:w1', kind: 'CARD', brand: 'visa', last4: '4242', isDefault: true, attachedAt: '2027-01-01T09:00:00.000Z' }]);
    expect(part.recipients).toEqual([]);
    const answer = asEvent(exportAnswer('r1', 'ACCESS', exportCounts(snapshot), 'v1.sealed'));
    expect(answer.actions.map((action) => [action.dataCategory, action.count])).toEqual([
      ['BILLING_CUSTOMER', 1],
      ['PAYMENT_METHODS', 1],
      ['SUBSCRIPTIONS', 1],
      ['CREDITS', 1],
      ['CREDIT_BUDGETS', 1],
    ]);
  });
});

describe('data-subject request rules: a billing contact who is not a user (PRV-05)', () => {
  const hash = (digit: string) => digit.repeat(64);

  it('[PRV-05] only e-mail hashes under billing\'s key version are compared', () => {
    const wanted = currentEmailHashes(
      [
        { kind: 'EMAIL', hash: hash('a'), keyVersion: 1 },
        { kind: 'EMAIL', hash: hash('b'), keyVersion: 2 },
        { kind: 'PHONE', hash: hash('c'), keyVersion: 1 },
      ],
      1,
    );
    expect([...wanted]).toEqual([hash('a')]);
  });

  it('[PRV-02] a contact\'s export lists the subscriptions their address is the billing contact of', () => {
    const part = dataSubjectExportPartSchema.parse(contactExportPart([{ subscriptionId: 's1', owner: 'WORKSPACE:w1', status: 'ACTIVE', email: 'ap@acme.test' }]));
    expect(part.records).toEqual([expect.objectContaining({ dataCategory: 'BILLING_CONTACT', data: [{ subscriptionId: 's1', owner: 'WORKSPACE:w1', status: 'ACTIVE', email: 'ap@acme.test' }] })]);
    expect(asEvent(contactExportAnswer('r1', 'PORTABILITY', 1, 'v1.sealed')).actions).toEqual([{ dataCategory: 'BILLING_CONTACT', action: 'EXPORTED', count: 1, note: null }]);
  });

  it('[PRV-05] a contact\'s erasure erases the address where no running subscription needs it, and says what is kept', () => {
    expect(asEvent(contactErasureAnswer('r1', { erased: 1, keptForLiveSubscriptions: 0 }))).toMatchObject({ actions: [{ dataCategory: 'BILLING_CONTACT', action: 'ERASED', count: 1 }], retained: [] });
    expect(asEvent(contactErasureAnswer('r1', { erased: 0, keptForLiveSubscriptions: 2 }))).toMatchObject({
      outcome: 'CARRIED_OUT',
      actions: [],
      retained: [{ dataCategory: 'BILLING_CONTACT', legalBasis: CONTACT_RETENTION_BASIS, keptUntil: null }],
    });
  });
});

describe('causes of a restriction (PRV-05)', () => {
  it('[PRV-05] a restriction request records its own id, an erasure the legal retention', () => {
    expect(restrictionCauseOf('RESTRICTION', 'dsr-1')).toBe('dsr-1');
    expect(restrictionCauseOf('ERASURE', 'dsr-2')).toBe(LEGAL_RETENTION_CAUSE);
  });

  it('[PRV-05] only a request id can be lifted, never the legal retention or an unrecorded cause', () => {
    expect(isLiftableCause('dsr-1')).toBe(true);
    expect(isLiftableCause(LEGAL_RETENTION_CAUSE)).toBe(false);
    expect(isLiftableCause(UNRECORDED_CAUSE)).toBe(false);
    expect(isLiftableCause('')).toBe(false);
  });
});
