import { exportSlices } from '../data-subject-answer';

describe('sliced data-subject exports (PRV-05: large answers fit NATS messages)', () => {
  it('keeps a small export whole and slices a large one in order, losing nothing', () => {
    expect(exportSlices(null, 10)).toEqual([null]);
    expect(exportSlices('abc', 10)).toEqual(['abc']);
    const sealed = 'x'.repeat(25) + 'y';
    const slices = exportSlices(sealed, 10);
    expect(slices).toEqual(['xxxxxxxxxx', 'xxxxxxxxxx', 'xxxxxy']);
    expect(slices.join('')).toBe(sealed);
  });
});
