import { apiTokenCaller, uniqueName, userCaller, type SubgraphAnswer } from '@leadgraph/platform/src/testing';
import { DAY, availableOf, grantOf, startCreditsUnderTest, user, workspace, type CreditsUnderTest } from './credits-harness';

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

  const LEDGER = `query Ledger($representations: [_Any!]!, $first: Int, $after: String) {
    _entities(representations: $representations) {
      ... on User { creditLedger(first: $first, after: $after) { edges { cursor node { id kind creditType amount balanceAfter source reason reference actorUserId occurredAt } } pageInfo { hasNextPage endCursor } } }
      ... on Workspace { creditLedger(first: $first, after: $after) { edges { cursor node { id kind amount balanceAfter } } pageInfo { hasNextPage endCursor } } }
    }
  }`;
  interface LedgerConnection {
    edges: Array<{ cursor: string; node: { id: string; kind: string; amount: number; balanceAfter: number; reason?: string | null } }>;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  }

  it('[BIL-04] creditLedger pages the owner\'s history newest first, with the balance after each line', async () => {
    const caller = userCaller();
    const owner = user(caller.userId);
    await env.ledger.grant(grantOf(owner, 'PHONE', 10, new Date(env.clock.now().getTime() + 7 * DAY)));
    for (let index = 1; index <= 4; index += 1) {
      await env.ledger.spend({
        idempotencyKey: uniqueName('spend'),
        caller: { userId: caller.userId, workspaceId: null, viaApiTokenId: null },
        creditType: 'PHONE',
        amount: index,
        reason: 'CONTACT_REVEAL',
        reference: `contact-${index}`,
      });
    }
    const representations = [{ __typename: 'User', id: caller.userId }];
    const seen: LedgerConnection['edges'] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page += 1) {
      const answer: SubgraphAnswer<{ _entities: Array<{ creditLedger: LedgerConnection }> }> = await env.call(caller, LEDGER, { representations, first: 2, after });
      expect(answer.errors).toBeUndefined();
      const connection: LedgerConnection | undefined = answer.data?._entities[0]?.creditLedger;
      seen.push(...(connection?.edges ?? []));
      after = connection?.pageInfo.endCursor ?? null;
      if (!connection?.pageInfo.hasNextPage) break;
    }
    expect(seen.map((edge) => [edge.node.kind, edge.node.amount, edge.node.balanceAfter])).toEqual([
      ['SPEND', 4, 0],
      ['SPEND', 3, 4],
      ['SPEND', 2, 7],
      ['SPEND', 1, 9],
      ['GRANT', 10, 10],
    ]);
    const bad = await env.call(caller, LEDGER, { representations, first: 2, after: 'not-a-cursor' });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const tooMany = await env.call(caller, LEDGER, { representations, first: 1000 });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    const stranger = await env.call(userCaller(), LEDGER, { representations });
    expect(stranger.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  const GRANT = `mutation ($input: GrantCreditsInput!) { grantCredits(input: $input) { status grantId balances { creditType balance } } }`;
  const SPEND = `mutation ($input: SpendCreditsInput!) {
    spendCredits(input: $input) { idempotencyKey entryId ownerType ownerId creditType charged remaining spentAt }
  }`;

  it('staff with BILLING_ADMIN grant and spend with an idempotency key; a spend answers what it charged and what remains', async () => {
    const admin = userCaller({ staffRoles: ['BILLING_ADMIN'] });
    const workspaceId = uniqueName('ws');
    const grantInput = {
      ownerType: 'WORKSPACE',
      ownerId: workspaceId,
      creditType: 'EXPORT',
      amount: 50,
      source: 'ADD_ON',
      expiresAt: new Date(env.clock.now().getTime() + 7 * DAY).toISOString(),
      idempotencyKey: uniqueName('support-gesture'),
    };
    const granted = await env.call<{ grantCredits: { status: string; balances: Array<{ creditType: string; balance: number }> } }>(admin, GRANT, {
      input: grantInput,
    });
    expect(granted.errors).toBeUndefined();
    expect(granted.data?.grantCredits.status).toBe('GRANTED');
    expect(granted.data?.grantCredits.balances.find((balance) => balance.creditType === 'EXPORT')?.balance).toBe(50);
    const again = await env.call<{ grantCredits: { status: string } }>(admin, GRANT, { input: grantInput });
    expect(again.data?.grantCredits.status).toBe('ALREADY_GRANTED');

    const spendInput = { ownerType: 'WORKSPACE', ownerId: workspaceId, creditType: 'EXPORT', amount: 8, reason: 'CORRECTION', idempotencyKey: uniqueName('fix') };
    const first = await env.call<{ spendCredits: Record<string, unknown> }>(admin, SPEND, { input: spendInput });
    expect(first.errors).toBeUndefined();
    expect(first.data?.spendCredits).toMatchObject({ ownerType: 'WORKSPACE', ownerId: workspaceId, creditType: 'EXPORT', charged: 8, remaining: 42 });
    const retried = await env.call<{ spendCredits: Record<string, unknown> }>(admin, SPEND, { input: spendInput });
    expect(retried.data?.spendCredits).toEqual(first.data?.spendCredits);
    const tooMuch = await env.call(admin, SPEND, { input: { ...spendInput, amount: 100, idempotencyKey: uniqueName('fix') } });
    expect(tooMuch.errors?.[0]?.extensions).toMatchObject({ code: 'INSUFFICIENT_CREDITS', creditType: 'EXPORT' });

    for (const caller of [userCaller(), userCaller({ staffRoles: ['SUPPORT'] })]) {
      expect((await env.call(caller, GRANT, { input: { ...grantInput, idempotencyKey: uniqueName('x') } })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await env.call(caller, SPEND, { input: { ...spendInput, idempotencyKey: uniqueName('x') } })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const badGrant = await env.call(admin, GRANT, { input: { ...grantInput, amount: 0, idempotencyKey: uniqueName('x') } });
    expect(badGrant.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'amount' });
    expect(await availableOf(env, workspace(workspaceId), 'EXPORT')).toBe(42);
  });

  it('[CON-04] creditQuote tells a signed-in user what an action would cost and whether it would pass', async () => {
    const caller = userCaller();
    await env.ledger.grant(grantOf(user(caller.userId), 'DIRECT_EMAIL', 1, null));
    const QUOTE = `query ($creditType: CreditType!, $amount: Int!) {
      creditQuote(creditType: $creditType, amount: $amount) { ownerType ownerId creditType cost available allowed refusalReason refusalMessage }
    }`;
    const ok = await env.call<{ creditQuote: Record<string, unknown> }>(caller, QUOTE, { creditType: 'DIRECT_EMAIL', amount: 1 });
    expect(ok.data?.creditQuote).toEqual({
      ownerType: 'USER',
      ownerId: caller.userId,
      creditType: 'DIRECT_EMAIL',
      cost: 1,
      available: 1,
      allowed: true,
      refusalReason: null,
      refusalMessage: null,
    });
    const refused = await env.call<{ creditQuote: Record<string, unknown> }>(caller, QUOTE, { creditType: 'PHONE', amount: 1 });
    expect(refused.data?.creditQuote).toMatchObject({ allowed: false, refusalReason: 'INSUFFICIENT_CREDITS', refusalMessage: 'Not enough PHONE credits' });
    expect(await availableOf(env, user(caller.userId), 'DIRECT_EMAIL')).toBe(1);
  });
});
