import mongoose, { type Connection } from 'mongoose';

/** Each service owns one database; connections are per service, never the mongoose global. */
export async function connectMongo(url: string, dbName: string): Promise<Connection> {
  const connection = mongoose.createConnection(url, {
    dbName,
    serverSelectionTimeoutMS: 10_000,
    // The embedded server does not support retryable writes' transactions machinery.
    retryWrites: false,
    // Collections and indexes are created once, in order, by `syncIndexes` at start-up: mongoose's
    // background creation races with the first writes, which the embedded H2 backend rejects.
    autoCreate: false,
    autoIndex: false,
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

/** Creates every registered model's collection and declared indexes, one after the other, before serving. */
export async function syncIndexes(connection: Connection): Promise<void> {
  for (const model of Object.values(connection.models)) {
    const exists = await connection.db?.listCollections({ name: model.collection.collectionName }, { nameOnly: true }).hasNext();
    if (!exists) {
      await model.createCollection().catch((error: unknown) => {
        // Another instance created it meanwhile.
        if ((error as { codeName?: string }).codeName !== 'NamespaceExists') throw error;
      });
    }
    await model.createIndexes();
  }
}

export function isDuplicateKeyError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: number }).code === 11000;
}
