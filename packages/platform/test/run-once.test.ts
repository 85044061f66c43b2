import { runOnce } from '../src/mongo/run-once';
import { connectTestDatabase } from '../src/testing';

describe('one-off migrations', () => {
  it('runs a migration once per database; a failed run is tried again', async () => {
    const db = await connectTestDatabase('run-once');
    try {
      const at = new Date('2026-11-23T09:00:00.000Z');
      let runs = 0;
      expect(await runOnce(db.connection, 'backfill', at, async () => { runs += 1; })).toBe(true);
      expect(await runOnce(db.connection, 'backfill', at, async () => { runs += 1; })).toBe(false);
      expect(runs).toBe(1);
      await expect(runOnce(db.connection, 'failing', at, async () => { throw new Error('boom'); })).rejects.toThrow('boom');
      expect(await runOnce(db.connection, 'failing', at, async () => { runs += 1; })).toBe(true);
      expect(runs).toBe(2);
      expect(await db.connection.collection('migrations').countDocuments()).toBe(2);
    } finally {
      await db.drop();
    }
  });
});
