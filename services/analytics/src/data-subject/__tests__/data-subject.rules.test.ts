import { dataSubjectRightSchema } from '@leadgraph/events';
import { heldAnything, planFor } from '../data-subject.rules';

describe('data-subject rules', () => {
  it('[ANA-05] erasure deletes, access and portability export', () => {
    expect(planFor('ERASURE')).toEqual({ kind: 'ERASE' });
    expect(planFor('ACCESS')).toEqual({ kind: 'EXPORT' });
    expect(planFor('PORTABILITY')).toEqual({ kind: 'EXPORT' });
  });

  it('[PRV-05] restriction, objection and consent withdrawal stop identified collection', () => {
    expect(planFor('RESTRICTION')).toEqual({ kind: 'RESTRICT', action: 'RESTRICTED' });
    expect(planFor('OBJECTION')).toEqual({ kind: 'RESTRICT', action: 'OBJECTION_APPLIED' });
    expect(planFor('CONSENT_WITHDRAWAL')).toEqual({ kind: 'WITHDRAW_CONSENT' });
  });

  it('[PRV-05] every right has an answer', () => {
    for (const right of dataSubjectRightSchema.options) expect(planFor(right).kind).toEqual(expect.any(String));
    expect(heldAnything({ rawEvents: 0, funnelRows: 0 })).toBe(false);
    expect(heldAnything({ rawEvents: 1, funnelRows: 0 })).toBe(true);
  });
});
