import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../../../..');

export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface ManagedProcess {
  url: string;
  port: number;
  stop(): Promise<void>;
}

function waitForLine(child: ChildProcess, pattern: RegExp, label: string, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${label} did not start within ${timeoutMs} ms:\n${output.slice(-2000)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = output.match(pattern);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        resolve(match);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited with code ${code}:\n${output.slice(-2000)}`));
    });
  });
}

function stopChild(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

const LAUNCHER_DIR = path.join(REPO_ROOT, 'infra/mongo-launcher');
export const MONGO_LAUNCHER_JAR = path.join(LAUNCHER_DIR, 'target/mongo-launcher.jar');

/** Builds the launcher jar with Maven when it is missing (first run on a fresh machine). */
export function ensureMongoLauncherBuilt(): void {
  if (fs.existsSync(MONGO_LAUNCHER_JAR)) return;
  const result = spawnSync('mvn', ['-q', '-B', '-f', path.join(LAUNCHER_DIR, 'pom.xml'), 'package'], {
    stdio: 'inherit',
  });
  if (result.status !== 0 || !fs.existsSync(MONGO_LAUNCHER_JAR)) {
    throw new Error(`building the embedded MongoDB launcher failed (mvn exit ${result.status})`);
  }
}

/**
 * Starts mongo-java-server (MongoDB wire protocol): memory backend for tests, H2 file backend
 * for local runs so data survives a restart.
 */
export async function startEmbeddedMongo(
  options: { backend: 'memory' } | { backend: 'h2'; file: string },
  port = 0,
): Promise<ManagedProcess> {
  ensureMongoLauncherBuilt();
  const args = ['-Xss4m', '-jar', MONGO_LAUNCHER_JAR, '--port', String(port), '--backend', options.backend];
  if (options.backend === 'h2') args.push('--file', options.file);
  const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const match = await waitForLine(child, /READY [\d.]+:(\d+)/, 'embedded MongoDB', 60_000);
  const actualPort = Number(match[1]);
  return { url: `mongodb://127.0.0.1:${actualPort}`, port: actualPort, stop: () => stopChild(child) };
}

export function natsServerBinary(): string {
  for (const candidate of ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server']) {
    if (fs.existsSync(candidate)) return candidate;
  }
  const which = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  throw new Error('nats-server not found: run `npm run setup` (installs the Debian package nats-server)');
}

/** Starts `nats-server -js` on loopback with its JetStream store in storeDir. */
export async function startNatsServer(storeDir: string, port = 0): Promise<ManagedProcess> {
  const actualPort = port || (await findFreePort());
  fs.mkdirSync(storeDir, { recursive: true });
  const child = spawn(
    natsServerBinary(),
    ['-js', '-a', '127.0.0.1', '-p', String(actualPort), '-sd', storeDir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await waitForLine(child, /Server is ready/, 'nats-server', 30_000);
  return { url: `nats://127.0.0.1:${actualPort}`, port: actualPort, stop: () => stopChild(child) };
}
