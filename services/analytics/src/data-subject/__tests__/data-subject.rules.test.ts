import { dataSubjectRightSchema } from '@leadgraph/events';
import { heldAnything, planFor, requestSubjects } from '../data-subject.rules';

describe('data-subject rules', () => {
  it('[ANA-05] erasure deletes, access and portability export', () => {
    expect(planFor('ERASURE')).toEqual({ kind: 'ERASE' });
    expect(planFor('ACCESS')).toEqual({ kind: 'EXPORT' });
    expect(planFor('PORTABILITY')).toEqual({ kind: 'EXPORT' });
  });

  it('[PRV-05] restriction, objection and consent withdrawal stop identified collection', () => {
    expect(planFor('RESTRICTION')).toEqual({ kind: 'RESTRICT', action: 'RESTRICTED', cause: 'RESTRICTION' });
    expect(planFor('OBJECTION')).toEqual({ kind: 'RESTRICT', action: 'OBJECTION_APPLIED', cause: 'OBJECTION' });
    expect(planFor('CONSENT_WITHDRAWAL')).toEqual({ kind: 'WITHDRAW_CONSENT' });
  });

  it('[PRV-05] every right has an answer', () => {
    for (const right of dataSubjectRightSchema.options) expect(planFor(right).kind).toEqual(expect.any(String));
    expect(heldAnything({ rawEvents: 0, funnelRows: 0 })).toBe(false);
    expect(heldAnything({ rawEvents: 1, funnelRows: 0 })).toBe(true);
  });

  it('[PRV-02] a requester is their user id and each distinct visitor id they filed from', () => {
    expect(requestSubjects({ userId: 'u1', visitorIds: ['v1', 'v1', 'v2'] })).toEqual([
      { subjectType: 'USER', subjectId: 'u1' },
      { subjectType: 'VISITOR', subjectId: 'v1' },
      { subjectType: 'VISITOR', subjectId: 'v2' },
    ]);
    expect(requestSubjects({ userId: null })).toEqual([]);
  });
});
