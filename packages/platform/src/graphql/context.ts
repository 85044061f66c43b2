import type { Caller } from '../auth/caller';
import type { Logger } from '../logging/logger';

/** What every resolver receives: the verified caller and a request-scoped logger. */
export interface RequestContext {
  caller: Caller;
  requestId: string;
  logger: Logger;
  /** Client IP as seen by the gateway (for rate limits and audit), if forwarded. */
  clientIp: string | null;
}

/** type-graphql container that hands out resolver instances built in the composition root. */
export function instanceContainer(instances: object[]) {
  const byClass = new Map<unknown, object>(instances.map((instance) => [instance.constructor, instance]));
  return {
    get(someClass: unknown): object {
      const instance = byClass.get(someClass);
      if (!instance) throw new Error(`no instance registered for ${String((someClass as { name?: string }).name)}`);
      return instance;
    },
  };
}
