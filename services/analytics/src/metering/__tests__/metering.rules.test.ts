import { creditsGrantedIncrements, creditsPerField, exportIncrements, hourOf, revealIncrements, searchIncrements } from '../metering.rules';

describe('metering rules', () => {
  it('[ANA-02] a reveal counts each field type and the credits spent, platform-wide and for its workspace', () => {
    const increments = revealIncrements({
      contactId: 'c1',
      workspaceId: 'w1',
      userId: 'u1',
      viaApiTokenId: null,
      fields: ['PHONE', 'PRO_EMAIL'],
      creditsCharged: 2,
      revealedAt: '2026-11-23T09:00:00.000Z',
    });
    expect(increments).toEqual([
      { scope: 'platform', metric: 'REVEALS_PHONE', amount: 1 },
      { scope: 'platform', metric: 'REVEALS_PRO_EMAIL', amount: 1 },
      { scope: 'platform', metric: 'CREDITS_SPENT', amount: 2 },
      { scope: 'workspace:w1', metric: 'REVEALS_PHONE', amount: 1 },
      { scope: 'workspace:w1', metric: 'REVEALS_PRO_EMAIL', amount: 1 },
      { scope: 'workspace:w1', metric: 'CREDITS_SPENT', amount: 2 },
    ]);
  });

  it('[ANA-02] activity outside a workspace counts platform-wide only; nothing personal is kept', () => {
    expect(searchIncrements({ searchId: 's1', workspaceId: null, userId: 'u1', viaApiTokenId: null, resultCount: 3, searchedAt: '2026-11-23T09:00:00.000Z' })).toEqual([
      { scope: 'platform', metric: 'SEARCHES', amount: 1 },
    ]);
    expect(exportIncrements({ exportId: 'e1', workspaceId: 'w1', userId: 'u1', contactCount: 0, format: 'CSV', exportedAt: '2026-11-23T09:00:00.000Z' })).toEqual([
      { scope: 'platform', metric: 'EXPORTS', amount: 1 },
      { scope: 'workspace:w1', metric: 'EXPORTS', amount: 1 },
    ]);
    expect(
      creditsGrantedIncrements({ ownerType: 'USER', ownerId: 'u1', creditType: 'PHONE', amount: 5, source: 'REGISTRATION', expiresAt: null, grantedAt: '2026-11-23T09:00:00.000Z' }),
    ).toEqual([{ scope: 'platform', metric: 'CREDITS_GRANTED_PHONE', amount: 5 }]);
  });

  it('[ANA-02] counters are kept per UTC hour', () => {
    expect(hourOf(new Date('2026-11-23T09:59:59.999Z'))).toEqual(new Date('2026-11-23T09:00:00.000Z'));
  });

  it('[ANA-02] a reveal total is split over its fields, one credit each at most', () => {
    expect(creditsPerField(['PHONE', 'PRO_EMAIL'], 2)).toEqual([
      { field: 'PHONE', credits: 1 },
      { field: 'PRO_EMAIL', credits: 1 },
    ]);
    expect(creditsPerField(['PHONE', 'PRO_EMAIL'], 1)).toEqual([
      { field: 'PHONE', credits: 1 },
      { field: 'PRO_EMAIL', credits: 0 },
    ]);
    expect(creditsPerField(['PHONE'], 0)).toEqual([{ field: 'PHONE', credits: 0 }]);
  });
});
