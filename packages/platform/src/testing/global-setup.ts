import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MailSink } from '../mail/mail-sink';
import { startEmbeddedMongo, startNatsServer, type ManagedProcess } from '../infra/processes';
import { TEST_INFRA_ENV } from './harness';

interface RunningInfra {
  stops: Array<() => Promise<void>>;
  tempDir: string;
}

const KEY = '__leadgraphTestInfra';

/**
 * jest globalSetup: real MongoDB (MONGO_URL, else embedded mongo-java-server in memory),
 * real NATS JetStream (NATS_URL, else nats-server -js) and the SMTP sink, once per run.
 */
export async function startTestInfra(): Promise<void> {
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leadgraph-test-'));
  const stops: Array<() => Promise<void>> = [];
  const started: ManagedProcess[] = [];
  try {
    const mongoUrl = process.env.MONGO_URL ?? (await startEmbeddedMongo({ backend: 'memory' }).then((m) => (started.push(m), m.url)));
    const natsUrl =
      process.env.NATS_URL ?? (await startNatsServer(path.join(tempDir, 'jetstream')).then((n) => (started.push(n), n.url)));
    const sink = new MailSink();
    await sink.start({ smtpPort: 0, httpPort: 0 });
    stops.push(() => sink.stop(), ...started.map((managed) => () => managed.stop()));
    process.env[TEST_INFRA_ENV.mongoUrl] = mongoUrl;
    process.env[TEST_INFRA_ENV.natsUrl] = natsUrl;
    process.env[TEST_INFRA_ENV.smtpUrl] = `smtp://127.0.0.1:${sink.smtpPort}`;
    process.env[TEST_INFRA_ENV.mailApiUrl] = `http://127.0.0.1:${sink.httpPort}`;
  } catch (error) {
    for (const managed of started) await managed.stop();
    throw error;
  }
  (globalThis as Record<string, unknown>)[KEY] = { stops, tempDir } satisfies RunningInfra;
}

export async function stopTestInfra(): Promise<void> {
  const infra = (globalThis as Record<string, unknown>)[KEY] as RunningInfra | undefined;
  if (!infra) return;
  for (const stop of infra.stops) await stop().catch(() => undefined);
  fs.rmSync(infra.tempDir, { recursive: true, force: true });
}
