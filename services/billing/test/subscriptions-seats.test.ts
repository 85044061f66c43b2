import { eventually, uniqueName } from '@leadgraph/platform/src/testing';
import {
  CHANGE_PLAN,
  SUBSCRIBE,
  cardPaymentMethod,
  startBillingUnderTest,
  subscribeWorkspace,
  workspaceAdmin,
  type BillingUnderTest,
} from './subscriptions-harness';

describe('seats never below the members (BIL-02)', () => {
  let h: BillingUnderTest;

  beforeAll(async () => {
    h = await startBillingUnderTest('2027-02-01T09:00:00.000Z');
  });
  afterAll(async () => {
    await h.stop();
  });

  /** A workspace of `size` members as accounts announces it, and billing's head count once consumed. */
  async function workspaceOf(size: number) {
    const admin = workspaceAdmin();
    const at = h.clock.now().toISOString();
    await h.publish('WorkspaceCreated', { workspaceId: admin.workspaceId, createdByUserId: admin.userId, createdAt: at });
    const members: string[] = [];
    for (let index = 1; index < size; index += 1) {
      const userId = uniqueName('member');
      members.push(userId);
      await h.publish('MemberJoined', { workspaceId: admin.workspaceId, userId, role: 'MEMBER', joinedAt: at });
    }
    await eventually(async () => expect(await h.billing.infra.connection.collection('workspace_rosters').findOne({ _id: admin.workspaceId as never })).toMatchObject({ memberUserIds: expect.arrayContaining([admin.userId, ...members]) }));
    return { admin, members };
  }

  it('[BIL-02] a subscription for fewer seats than members is refused on seats, and nothing is bought', async () => {
    const { admin } = await workspaceOf(3);
    const refused = await h.call(admin, SUBSCRIBE, {
      input: { planId: 'business-monthly', seats: 2, billingCountry: 'FR', paymentMethodId: await cardPaymentMethod(h), billingEmail: 'billing@acme-industries.test' },
    });
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'seats' });
    expect(refused.errors?.[0]?.message).toMatch(/3 members/);
    expect(await h.subscriptions.countDocuments({ workspaceId: admin.workspaceId })).toBe(0);

    const bought = await subscribeWorkspace(h, admin, { planId: 'business-monthly', seats: 3 });
    expect(bought.subscription).toMatchObject({ seats: 3, status: 'ACTIVE' });
  });

  it('[BIL-02] seats go down only once members left; a duplicate event counts once', async () => {
    const { admin, members } = await workspaceOf(3);
    await subscribeWorkspace(h, admin, { planId: 'business-monthly', seats: 3 });
    const tooFew = await h.call(admin, CHANGE_PLAN, { input: { seats: 2 } });
    expect(tooFew.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'seats' });

    const removed = await h.publish('MemberRemoved', { workspaceId: admin.workspaceId, userId: members[0]!, reason: 'REMOVED_BY_ADMIN', removedAt: h.clock.now().toISOString() });
    await h.billing.infra.bus.publish({ ...removed, id: uniqueName('replayed') });
    await eventually(async () => expect((await h.billing.infra.connection.collection('workspace_rosters').findOne({ _id: admin.workspaceId as never }))?.memberUserIds).toHaveLength(2));
    const fewer = await h.call<{ changePlan: { outcome: string } }>(admin, CHANGE_PLAN, { input: { seats: 2 } });
    expect(fewer.errors).toBeUndefined();
    expect(fewer.data?.changePlan.outcome).toBe('SCHEDULED');
  });
});
