import type { Logger } from '../logging/logger';

/**
 * Runs `run` now and then every `intervalMs`, one pass at a time (a slow pass is never overlapped
 * by the next). Failures are logged and retried at the next tick. Returns the stop function for
 * `serveSubgraphService`'s `onStop`, which waits for a pass in progress.
 */
export function schedulePeriodicJob(name: string, intervalMs: number, run: () => Promise<unknown>, logger: Logger): () => Promise<void> {
  let stopped = false;
  let current: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | null = null;
  const tick = () => {
    timer = null;
    current = run()
      .then(() => undefined)
      .catch((error: unknown) => logger.error({ err: error, job: name }, 'periodic job failed; will retry'))
      .finally(() => {
        if (!stopped) {
          timer = setTimeout(tick, intervalMs);
          timer.unref();
        }
      });
  };
  timer = setTimeout(tick, 0);
  timer.unref();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await current;
  };
}
