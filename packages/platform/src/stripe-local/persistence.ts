import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import type { StoreState } from './state';

const FORMAT = 'leadgraph-stripe-local/1';

interface SavedAccount {
  format: typeof FORMAT;
  /** Server clock at the save, unix seconds. */
  now: number;
  state: StoreState;
}

/**
 * Keeps the simulated account in a file for local runs, so Stripe ids a service stored in its
 * (persistent) database still exist after a restart. V8 serialization keeps the Maps as they are.
 */
export function saveAccount(file: string, state: StoreState, now: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const saved: SavedAccount = { format: FORMAT, now, state };
  const temporary = `${file}.tmp`;
  fs.writeFileSync(temporary, v8.serialize(saved));
  fs.renameSync(temporary, file);
}

export function loadAccount(file: string): { state: StoreState; now: number } | null {
  if (!fs.existsSync(file)) return null;
  const saved = v8.deserialize(fs.readFileSync(file)) as Partial<SavedAccount>;
  if (saved.format !== FORMAT || !saved.state || typeof saved.now !== 'number') return null;
  return { state: saved.state, now: saved.now };
}
