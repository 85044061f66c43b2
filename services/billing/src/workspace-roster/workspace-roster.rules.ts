/** BIL-02: a workspace cannot hold more members than seats, so seats never go below its members. */
export function seatsBelowMembersProblem(seats: number, memberCount: number): string | null {
  if (seats >= memberCount) return null;
  return `the workspace has ${memberCount} members: remove members before going below ${memberCount} seats`;
}
