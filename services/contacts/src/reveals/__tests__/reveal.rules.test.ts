import { revealScope, workspaceOfScope } from '../reveal.rules';

describe('reveal scopes', () => {
  it('[CON-03] reveals belong to the caller workspace, or to the user outside one', () => {
    const inWorkspace = revealScope({ kind: 'user', userId: 'u1', sessionId: 's', workspaceId: 'w1', workspaceRole: 'MEMBER', staffRoles: [], scopes: [] });
    const personal = revealScope({ kind: 'user', userId: 'u1', sessionId: 's', workspaceId: null, workspaceRole: null, staffRoles: [], scopes: [] });
    expect(inWorkspace).toEqual({ scope: 'ws:w1', workspaceId: 'w1', userId: null });
    expect(personal).toEqual({ scope: 'user:u1', workspaceId: null, userId: 'u1' });
    expect(workspaceOfScope(inWorkspace.scope)).toBe('w1');
    expect(workspaceOfScope(personal.scope)).toBeNull();
  });
});
