import mongoose, { type Connection } from 'mongoose';

/** Each service owns one database; connections are per service, never the mongoose global. */
export async function connectMongo(url: string, dbName: string): Promise<Connection> {
  const connection = mongoose.createConnection(url, {
    dbName,
    serverSelectionTimeoutMS: 10_000,
    // The embedded server does not support retryable writes' transactions machinery.
    retryWrites: false,
    autoIndex: true,
  });
  await connection.asPromise();
  return connection;
}

export async function isMongoReady(connection: Connection): Promise<boolean> {
  try {
    if (connection.readyState !== 1 || !connection.db) return false;
    await connection.db.admin().command({ ping: 1 });
    return true;
  } catch {
    return false;
  }
}

/** Builds every model's declared indexes before serving (autoIndex runs in background otherwise). */
export async function syncIndexes(connection: Connection): Promise<void> {
  for (const model of Object.values(connection.models)) {
    await model.createIndexes();
  }
}

export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: number }).code === 11000;
}
