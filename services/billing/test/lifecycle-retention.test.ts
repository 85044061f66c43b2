import {
  CANCEL,
  startBillingUnderTest,
  subscribeWorkspace,
  workspaceAdmin,
  workspaceBilling,
  type BillingUnderTest,
} from './subscriptions-harness';

describe('lifecycle: invoices kept 10 years after the end of their fiscal year (BIL-17)', () => {
  let h: BillingUnderTest;

  beforeAll(async () => {
    h = await startBillingUnderTest('2027-06-01T09:00:00.000Z');
  });
  afterAll(async () => {
    await h.stop();
  });


  it('[BIL-17] an invoice survives the subscription, the account and 10 years, and is purged only once its fiscal year is 10 years over', async () => {
    const first = workspaceAdmin();
    const bought = await subscribeWorkspace(h, first, { planId: 'starter-monthly', seats: 1 });
    expect(bought.charge?.invoice.retainedUntil).toBe('2038-01-01T00:00:00.000Z');
    await h.call(first, CANCEL, {});
    await h.publish('AccountDeleted', { userId: first.userId, deletedAt: h.clock.now().toISOString(), deletedWorkspaceId: first.workspaceId, leftWorkspaceId: null });

    await h.runUntil('2028-01-15T09:00:00.000Z');
    const second = workspaceAdmin();
    const later = await subscribeWorkspace(h, second, { planId: 'starter-monthly', seats: 1 });
    expect(later.charge?.invoice.retainedUntil).toBe('2039-01-01T00:00:00.000Z');
    await h.call(second, CANCEL, {});

    // The subscriptions ended long ago; the invoices stay until the end of their retention.
    await h.runUntil('2037-12-31T23:59:59.000Z');
    expect((await workspaceBilling(h, first)).invoices.edges.map((edge) => edge.node.id)).toEqual([bought.charge?.invoice.id]);
    expect(await h.invoices.countDocuments({})).toBe(2);

    await h.runUntil('2038-01-01T00:00:00.000Z');
    expect((await workspaceBilling(h, first)).invoices.edges).toEqual([]);
    expect(await h.invoices.findById(later.charge?.invoice.id).lean()).not.toBeNull();

    await h.runUntil('2039-01-01T00:00:00.000Z');
    expect(await h.invoices.countDocuments({})).toBe(0);
  });
});
