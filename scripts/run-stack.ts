/**
 * `npm start`: runs the whole stack locally. Uses MONGO_URL / NATS_URL / SMTP_URL when given,
 * otherwise starts the embedded MongoDB (H2 file backend under .data/, so data survives a
 * restart), nats-server -js and the SMTP sink; STRIPE_API_BASE likewise, otherwise the local
 * Stripe-compatible server (account kept under .data/ too); then the five subgraphs and the
 * gateway as child processes, seeds a demo workspace and prints the gateway URL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  LocalStripeServer,
  MailSink,
  REPO_ROOT,
  findFreePort,
  startEmbeddedMongo,
  startNatsServer,
  type ManagedProcess,
  type RunningLocalStripe,
} from '@leadgraph/platform';
import { subgraphDefinitions } from '../gateway/src/subgraphs';
import { seedDemoWorkspace } from './seed-demo';

const DATA_DIR = path.join(REPO_ROOT, '.data');

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function preferredPort(port: number): Promise<number> {
  return (await portIsFree(port)) ? port : findFreePort();
}

async function waitForReady(url: string, label: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then((response) => response.ok).catch(() => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`${label} not ready at ${url} within ${timeoutMs} ms`);
}

function startNodeProcess(label: string, entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', entry], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${label}] `;
  const forward = (stream: NodeJS.WritableStream) => (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) stream.write(prefix + line + '\n');
  };
  child.stdout?.on('data', forward(process.stdout));
  child.stderr?.on('data', forward(process.stderr));
  return child;
}

/** Where the billing service receives Stripe's webhooks (its HTTP route must match). */
const STRIPE_WEBHOOK_PATH = '/webhooks/stripe';

/**
 * Stripe settings of the billing service: the given STRIPE_API_BASE (with its keys from the
 * environment), else the local Stripe-compatible server, started with its clock running and its
 * webhooks signed for the billing service at `billingPort`.
 */
async function stripeEnvironment(billingPort: number): Promise<{ env: NodeJS.ProcessEnv; local: RunningLocalStripe | null }> {
  if (process.env.STRIPE_API_BASE) return { env: {}, local: null };
  const local = await LocalStripeServer.start({
    port: await preferredPort(12111),
    secretKey: process.env.STRIPE_SECRET_KEY ?? 'sk_test_local_leadgraph_dev',
    webhookSecret: process.env.STRIPE_WEBHOOK_SECRET ?? 'whsec_local_leadgraph_dev',
    webhookUrl: `http://127.0.0.1:${billingPort}${STRIPE_WEBHOOK_PATH}`,
    clockMode: 'real-time',
    dataFile: path.join(DATA_DIR, 'stripe-local/account.bin'),
  });
  return {
    env: { STRIPE_API_BASE: local.url, STRIPE_SECRET_KEY: local.secretKey, STRIPE_WEBHOOK_SECRET: local.webhookSecret },
    local,
  };
}

async function main(): Promise<void> {
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const infra: ManagedProcess[] = [];
  const children: ChildProcess[] = [];
  let sink: MailSink | null = null;
  let localStripe: RunningLocalStripe | null = null;

  const shutdown = async () => {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await sink?.stop();
    await localStripe?.stop();
    for (const managed of infra.reverse()) await managed.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());

  const mongoUrl =
    process.env.MONGO_URL ??
    (await startEmbeddedMongo({ backend: 'h2', file: path.join(DATA_DIR, 'mongo/leadgraph.mv') }, await preferredPort(27017)).then(
      (mongo) => (infra.push(mongo), mongo.url),
    ));
  const natsUrl =
    process.env.NATS_URL ??
    (await startNatsServer(path.join(DATA_DIR, 'nats'), await preferredPort(4222)).then((nats) => (infra.push(nats), nats.url)));
  let smtpUrl = process.env.SMTP_URL;
  let mailApiUrl: string | null = process.env.MAIL_API_URL ?? null;
  if (!smtpUrl) {
    sink = new MailSink();
    await sink.start({ smtpPort: await preferredPort(1025), httpPort: await preferredPort(8025) });
    smtpUrl = `smtp://127.0.0.1:${sink.smtpPort}`;
    mailApiUrl = `http://127.0.0.1:${sink.httpPort}`;
  }

  const shared = { MONGO_URL: mongoUrl, NATS_URL: natsUrl, SMTP_URL: smtpUrl, NODE_ENV: process.env.NODE_ENV ?? 'development' };
  const gatewayEnv: NodeJS.ProcessEnv = { ...shared };
  for (const definition of subgraphDefinitions) {
    const port = await preferredPort(Number(new URL(definition.defaultUrl).port));
    const url = `http://127.0.0.1:${port}/graphql`;
    gatewayEnv[definition.urlEnv] = url;
    let serviceEnv: NodeJS.ProcessEnv = {};
    if (definition.name === 'billing') {
      const stripe = await stripeEnvironment(port);
      localStripe = stripe.local;
      serviceEnv = stripe.env;
    }
    children.push(
      startNodeProcess(definition.name, `services/${definition.name}/src/main.ts`, { ...shared, ...serviceEnv, PORT: String(port) }),
    );
  }
  await Promise.all(
    subgraphDefinitions.map((definition) =>
      waitForReady(new URL('/readyz', gatewayEnv[definition.urlEnv] as string).toString(), definition.name),
    ),
  );
  const gatewayPort = await preferredPort(Number(process.env.PORT ?? 4000));
  children.push(startNodeProcess('gateway', 'gateway/src/main.ts', { ...gatewayEnv, PORT: String(gatewayPort) }));
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}/graphql`;
  await waitForReady(`http://127.0.0.1:${gatewayPort}/readyz`, 'gateway');

  const demo = await seedDemoWorkspace(gatewayUrl, mailApiUrl);
  console.log('\nleadgraph is running');
  console.log(`  gateway (GraphQL + Sandbox): ${gatewayUrl}`);
  if (mailApiUrl) console.log(`  mail sink (received mail):   ${mailApiUrl}/messages`);
  const privacyOrigin = new URL(gatewayEnv.PRIVACY_URL as string).origin;
  console.log(`  public opt-out page:         ${privacyOrigin}/opt-out`);
  console.log(`  privacy requests page:       ${privacyOrigin}/privacy-request`);
  console.log(`  analytics collection:        POST ${new URL(gatewayEnv.ANALYTICS_URL as string).origin}/collect`);
  if (localStripe) {
    console.log(`  local Stripe API:            ${localStripe.url} (key ${localStripe.secretKey})`);
    console.log(`    webhook deliveries:        ${localStripe.url}/_test/webhook-deliveries`);
    console.log(`    move its clock:            curl -X POST ${localStripe.url}/_test/clock/advance -d '{"seconds":2678400}'`);
  }
  console.log(`  demo login: ${demo.email} / ${demo.password} (workspace "${demo.workspaceName}")`);
  console.log('Press Ctrl+C to stop.\n');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
