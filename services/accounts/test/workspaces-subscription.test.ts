import { JSONCodec } from 'nats';
import { createEvent, eventSubject } from '@leadgraph/events';
import { DAY_MS, EventBus } from '@leadgraph/platform';
import { eventually, testLogger, uniqueName } from '@leadgraph/platform/src/testing';
import { activityEntryModel } from '../src/activity/activity.model';
import {
  createActiveUser,
  createWorkspace,
  expectEvents,
  inviteAndJoin,
  startAccountsUnderTest,
  type AccountsUnderTest,
} from './workspaces-harness';

describe('workspaces: subscription events from billing (BIL-02, BIL-13)', () => {
  let accounts: AccountsUnderTest;

  beforeAll(async () => {
    accounts = await startAccountsUnderTest();
  });
  afterAll(async () => {
    await accounts.stop();
  });

  function started(workspaceId: string, subscriberUserId: string, seats: number, at: Date) {
    return createEvent(
      'SubscriptionStarted',
      {
        subscriptionId: uniqueName('sub'),
        workspaceId,
        subscriberUserId,
        planId: 'premium-monthly',
        seats,
        periodStart: at.toISOString(),
        periodEnd: new Date(at.getTime() + 30 * DAY_MS).toISOString(),
      },
      { subject: workspaceId, time: at },
    );
  }

  function changed(workspaceId: string, seats: number, at: Date) {
    return createEvent(
      'SubscriptionChanged',
      { subscriptionId: uniqueName('sub'), workspaceId, planId: 'premium-monthly', seats, status: 'ACTIVE', changedAt: at.toISOString() },
      { subject: workspaceId, time: at },
    );
  }

  function terminated(workspaceId: string, subscriberUserId: string, at: Date) {
    return createEvent(
      'SubscriptionTerminated',
      { subscriptionId: uniqueName('sub'), workspaceId, subscriberUserId, reason: 'NON_RENEWAL', terminatedAt: at.toISOString() },
      { subject: workspaceId, time: at },
    );
  }

  async function seatLimitOf(workspaceId: string): Promise<number | null | undefined> {
    return (await accounts.workspaces.findById(workspaceId).lean())?.seatLimit;
  }

  it('[BIL-02] the subscription\'s seats become the workspace\'s member limit and follow its changes; late older events are ignored', async () => {
    const admin = await createActiveUser(accounts);
    const workspaceId = await createWorkspace(accounts, admin._id, 'Premium');
    const t0 = accounts.clock.now();
    const bus = accounts.service.infra.bus;

    await bus.publish(started(workspaceId, admin._id, 3, t0));
    await eventually(async () => expect(await seatLimitOf(workspaceId)).toBe(3));

    await bus.publish(changed(workspaceId, 5, new Date(t0.getTime() + 2 * DAY_MS)));
    await eventually(async () => expect(await seatLimitOf(workspaceId)).toBe(5));

    // A change that happened before the one applied arrives late: no effect.
    const late = changed(workspaceId, 2, new Date(t0.getTime() + DAY_MS));
    await bus.publish(late);
    const marker = changed(workspaceId, 6, new Date(t0.getTime() + 3 * DAY_MS));
    await bus.publish(marker);
    await eventually(async () => expect(await seatLimitOf(workspaceId)).toBe(6));

    const activity = await activityEntryModel(accounts.service.infra.connection)
      .find({ workspaceId, action: 'SEAT_LIMIT_CHANGED' })
      .sort({ at: 1 })
      .lean();
    expect(activity.map((entry) => entry.details.seats)).toEqual(['3', '5', '6']);
  });

  it('[EVT-02] a subscription event delivered twice has the effect of one', async () => {
    const admin = await createActiveUser(accounts);
    const workspaceId = await createWorkspace(accounts, admin._id, 'Twice');
    const event = started(workspaceId, admin._id, 4, accounts.clock.now());
    const bus = accounts.service.infra.bus;
    await bus.publish(event);
    // The same event again under another message id, past JetStream's de-duplication.
    await bus.jetstream.publish(eventSubject('SubscriptionStarted'), JSONCodec().encode(event), { msgID: `${event.id}-replayed` });
    // One consumer handles SubscriptionStarted in order: once a later one for another workspace is
    // applied, the replay has been handled too.
    const otherAdmin = await createActiveUser(accounts);
    const otherWorkspaceId = await createWorkspace(accounts, otherAdmin._id, 'Marker');
    await bus.publish(started(otherWorkspaceId, otherAdmin._id, 2, accounts.clock.now()));
    await eventually(async () => expect(await seatLimitOf(otherWorkspaceId)).toBe(2));
    expect(await seatLimitOf(workspaceId)).toBe(4);
    // Events of other types have consumers of their own, so the change goes out only now.
    await bus.publish(changed(workspaceId, 7, new Date(accounts.clock.now().getTime() + 1000)));
    await eventually(async () => expect(await seatLimitOf(workspaceId)).toBe(7));
    const entries = await activityEntryModel(accounts.service.infra.connection).find({ workspaceId, action: 'SEAT_LIMIT_CHANGED' }).lean();
    expect(entries).toHaveLength(2);
  });

  it('[BIL-13] when the subscription ends the workspace is deleted (WorkspaceDeleted SUBSCRIPTION_TERMINATED); members keep their accounts, workspace-less', async () => {
    const admin = await createActiveUser(accounts);
    const workspaceId = await createWorkspace(accounts, admin._id, 'Ending');
    const member = await createActiveUser(accounts);
    await inviteAndJoin(accounts, admin._id, member, 'MEMBER');
    const bus = accounts.service.infra.bus;

    await bus.publish(terminated(workspaceId, admin._id, accounts.clock.now()));
    const [deleted] = await expectEvents(accounts.service, 'WorkspaceDeleted', (data) => data.workspaceId === workspaceId);
    expect(deleted?.data.reason).toBe('SUBSCRIPTION_TERMINATED');
    expect([...(deleted?.data.formerMemberUserIds ?? [])].sort()).toEqual([admin._id, member._id].sort());
    expect(await accounts.workspaces.findById(workspaceId).lean()).toMatchObject({ status: 'DELETED', deletionReason: 'SUBSCRIPTION_TERMINATED' });
    await eventually(async () => {
      for (const user of [admin, member]) {
        expect(await accounts.users.findById(user._id).lean()).toMatchObject({ status: 'ACTIVE', workspaceId: null, workspaceRole: null });
      }
    });

    // A second termination of the same workspace changes nothing and publishes nothing more.
    await bus.publish(terminated(workspaceId, admin._id, accounts.clock.now()));
    const marker = await createWorkspace(accounts, (await createActiveUser(accounts))._id, 'Marker');
    await bus.publish(terminated(marker, admin._id, accounts.clock.now()));
    await expectEvents(accounts.service, 'WorkspaceDeleted', (data) => data.workspaceId === marker);
    await expectEvents(accounts.service, 'WorkspaceDeleted', (data) => data.workspaceId === workspaceId, 1);
  });

  it('[EVT-02] a termination published while accounts is down is handled once it is back', async () => {
    const first = await startAccountsUnderTest();
    let restarted: AccountsUnderTest | null = null;
    try {
      const admin = await createActiveUser(first);
      const workspaceId = await createWorkspace(first, admin._id, 'Offline');
      await first.stopServiceOnly();
      const publisher = await startPublisher(first.config.NATS_URL);
      await publisher.publish(terminated(workspaceId, admin._id, first.clock.now()));
      await publisher.close();

      restarted = await startAccountsUnderTest({ clock: first.clock, config: first.config });
      const workspaces = restarted.workspaces;
      await eventually(async () => expect(await workspaces.findById(workspaceId).lean()).toMatchObject({ status: 'DELETED' }), 15_000);
      await expectEvents(restarted.service, 'WorkspaceDeleted', (data) => data.workspaceId === workspaceId, 1);
    } finally {
      await restarted?.stop();
      await first.stop();
    }
  });
});

/** Billing's side of the bus, while accounts is down. */
function startPublisher(natsUrl: string): Promise<EventBus> {
  return EventBus.connect({ url: natsUrl, name: uniqueName('billing-stand-in'), logger: testLogger() });
}
