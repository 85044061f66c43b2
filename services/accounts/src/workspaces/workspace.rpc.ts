import type { Subscription } from 'nats';
import { rpcContracts } from '@leadgraph/events';
import { serveRpc, type EventBus, type Logger } from '@leadgraph/platform';
import type { WorkspaceModel } from './workspace.model';

/**
 * Serves `rpc.accounts.describeWorkspaces` to privacy: the names of the workspaces listed as
 * recipients in an access answer (PRV-02). Unknown ids are simply absent from the answer.
 */
export function serveDescribeWorkspaces(bus: EventBus, workspaces: WorkspaceModel, logger: Logger): Subscription {
  return serveRpc(bus, rpcContracts.describeWorkspaces.subject, {
    request: rpcContracts.describeWorkspaces.request,
    handler: async ({ workspaceIds }) => {
      const found = await workspaces.find({ _id: { $in: workspaceIds } }, { name: 1, status: 1 }).lean();
      return { workspaces: found.map((workspace) => ({ workspaceId: workspace._id, name: workspace.name ?? null, status: workspace.status })) };
    },
    queue: 'accounts',
    logger,
  });
}
