import { seatsBelowMembersProblem } from '../workspace-roster.rules';

describe('seats and members', () => {
  it.each([
    [3, 2, false],
    [3, 3, false],
    [2, 3, true],
    [1, 0, false],
  ])('[BIL-02] %i seats for %i members: refused = %s', (seats, members, refused) => {
    expect(seatsBelowMembersProblem(seats, members) !== null).toBe(refused);
  });
});
