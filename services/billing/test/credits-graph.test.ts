import { apiTokenCaller, uniqueName, userCaller } from '@leadgraph/platform/src/testing';
import { DAY, grantOf, startCreditsUnderTest, user, workspace, type CreditsUnderTest } from './credits-harness';

interface BalanceView {
  creditType: string;
  balance: number;
  unlimited: boolean;
  nearestExpiry: string | null;
}

const ENTITY_CREDITS = `query Credits($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on User { id credits { creditType balance unlimited nearestExpiry } }
    ... on Workspace { id credits { creditType balance unlimited nearestExpiry } }
  }
}`;

describe('credits in the graph: balances, ledger history, staff grants and spends', () => {
  let env: CreditsUnderTest;

  beforeAll(async () => {
    env = await startCreditsUnderTest();
  });
  afterAll(async () => {
    await env.stop();
  });

  it('[BIL-05] User.credits: unexpired grants minus spends, with the nearest expiry; expired grants stop counting', async () => {
    const caller = userCaller();
    const owner = user(caller.userId);
    const periodEnd = new Date(env.clock.now().getTime() + 7 * DAY);
    const exportEnd = new Date(env.clock.now().getTime() + 1 * DAY);
    await env.ledger.grant(grantOf(owner, 'PHONE', 5, periodEnd));
    await env.ledger.grant(grantOf(owner, 'PHONE', 3, null));
    await env.ledger.grant(grantOf(owner, 'EXPORT', 10, exportEnd, { source: 'REWARD' }));
    await env.ledger.spend({
      idempotencyKey: uniqueName('spend'),
      caller: { userId: caller.userId, workspaceId: null, viaApiTokenId: null },
      creditType: 'PHONE',
      amount: 2,
      reason: 'CONTACT_REVEAL',
      reference: null,
    });
    // The reward's period ends: it is gone although the expiry job did not run yet.
    env.clock.set(new Date(exportEnd.getTime() + 1000));
    const answer = await env.call<{ _entities: Array<{ credits: BalanceView[] }> }>(caller, ENTITY_CREDITS, {
      representations: [{ __typename: 'User', id: caller.userId }],
    });
    expect(answer.errors).toBeUndefined();
    const credits = answer.data?._entities[0]?.credits ?? [];
    expect(credits.find((balance) => balance.creditType === 'PHONE')).toEqual({
      creditType: 'PHONE',
      balance: 6,
      unlimited: false,
      nearestExpiry: periodEnd.toISOString(),
    });
    expect(credits.find((balance) => balance.creditType === 'EXPORT')?.balance).toBe(0);
  });

  it('[BIL-08] workspace members read the shared pool; a partner token needs billing:read (ACC-08)', async () => {
    const workspaceId = uniqueName('workspace');
    await env.ledger.grant(grantOf(workspace(workspaceId), 'PRO_EMAIL', 10_000, new Date(env.clock.now().getTime() + 7 * DAY), { unlimited: true }));
    const representations = [{ __typename: 'Workspace', id: workspaceId }];
    const member = await env.call<{ _entities: Array<{ credits: BalanceView[] }> }>(userCaller({ workspaceId, workspaceRole: 'MEMBER' }), ENTITY_CREDITS, {
      representations,
    });
    expect(member.data?._entities[0]?.credits.find((balance) => balance.creditType === 'PRO_EMAIL')).toMatchObject({
      balance: 10_000,
      unlimited: true,
    });
    const tokenWithScope = await env.call(apiTokenCaller({ workspaceId, scopes: ['billing:read'] }), ENTITY_CREDITS, { representations });
    expect(tokenWithScope.errors).toBeUndefined();
    const tokenWithoutScope = await env.call(apiTokenCaller({ workspaceId, scopes: ['contacts:read'] }), ENTITY_CREDITS, { representations });
    expect(tokenWithoutScope.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'billing:read' });
    const outsider = await env.call(userCaller({ workspaceId: uniqueName('workspace'), workspaceRole: 'ADMIN' }), ENTITY_CREDITS, { representations });
    expect(outsider.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
