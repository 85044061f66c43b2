import type { Connection } from 'mongoose';

/**
 * Runs a one-off data migration (e.g. backfilling a field that new code writes itself) once per
 * database: a marker in `migrations` records it, so later start-ups skip it instead of scanning
 * again. A run that fails leaves no marker and is tried at the next start.
 */
export async function runOnce(connection: Connection, name: string, at: Date, migrate: () => Promise<unknown>): Promise<boolean> {
  const done = connection.collection<{ _id: string; completedAt: Date }>('migrations');
  if (await done.findOne({ _id: name })) return false;
  await migrate();
  await done.updateOne({ _id: name }, { $setOnInsert: { completedAt: at } }, { upsert: true });
  return true;
}
