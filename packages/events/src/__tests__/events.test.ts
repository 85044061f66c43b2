import { EventContractError, createEvent, eventCatalog, eventSubject, parseEvent } from '..';

describe('event contract: CloudEvents envelope + zod payloads', () => {
  const time = new Date('2026-11-23T10:00:00Z');

  it('[EVT-03] the catalogue holds every event the rules require', () => {
    const required = [
      'AccountCreated', 'AccountDeleted', 'AccountSuspended', 'WorkspaceDeleted', 'MemberRemoved',
      'SubscriptionStarted', 'SubscriptionChanged', 'SubscriptionTerminated', 'PaymentFailed',
      'CreditsGranted', 'CreditsExpired', 'ContactRevealed', 'ContactsExported', 'ContactOptedOut',
      'ConsentChanged', 'DataSubjectRequestOpened', 'DataSubjectRequestCompleted',
    ];
    for (const name of required) expect(Object.keys(eventCatalog)).toContain(name);
  });

  it('builds a CloudEvents 1.0 envelope on subject leadgraph.<service>.<EventName>', () => {
    const event = createEvent('MemberRemoved', { workspaceId: 'w', userId: 'u', reason: 'LEFT', removedAt: time.toISOString() }, { subject: 'w', time });
    expect(event).toMatchObject({ specversion: '1.0', source: '/leadgraph/accounts', type: 'MemberRemoved', subject: 'w', datacontenttype: 'application/json' });
    expect(eventSubject('MemberRemoved')).toBe('leadgraph.accounts.MemberRemoved');
    expect(parseEvent(JSON.parse(JSON.stringify(event)))).toEqual(event);
  });

  it('refuses a payload that breaks the contract, naming the field', () => {
    expect(() =>
      // @ts-expect-error reason is not one of the contract's values
      createEvent('MemberRemoved', { workspaceId: 'w', userId: 'u', reason: 'KICKED', removedAt: time.toISOString() }, { subject: 'w', time }),
    ).toThrow(EventContractError);
    const broken = { specversion: '1.0', id: '1', source: 's', type: 'MemberRemoved', time: time.toISOString(), subject: 'w', datacontenttype: 'application/json', data: {} };
    const failure = (() => {
      try {
        parseEvent(broken);
        return null;
      } catch (error) {
        return error as EventContractError;
      }
    })();
    expect(failure).toBeInstanceOf(EventContractError);
    expect(failure?.issues.join(' ')).toContain('workspaceId');
    expect(() => parseEvent({ specversion: '1.0', id: '1', source: 's', type: 'Nope', time: time.toISOString(), subject: 'w', datacontenttype: 'application/json', data: {} })).toThrow(/unknown event type/);
  });
});
