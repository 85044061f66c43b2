import {
  OutboxRelay,
  connectServiceInfra,
  instanceContainer,
  runServiceMain,
  serveSubgraphService,
  type OutboxModel,
  type RunningService,
  type ServiceOverrides,
} from '@leadgraph/platform';
import { loadAccountsConfig, type AccountsConfig } from './config';
import { buildAccountsSchema } from './schema';
import { userModel } from './users/user.model';
import { UserResolver, resolveUserReference } from './users/user.resolver';
import { UserService } from './users/user.service';
import { workspaceModel } from './workspaces/workspace.model';

/** Composition root of the accounts subgraph. */
export async function startAccountsService(config: AccountsConfig, overrides: ServiceOverrides = {}): Promise<RunningService> {
  const infra = await connectServiceInfra('accounts', config, overrides);
  const { connection, bus, clock, logger } = infra;
  const users = userModel(connection);
  const workspaces = workspaceModel(connection);

  const userService = new UserService(users, clock, logger);

  const schema = await buildAccountsSchema(instanceContainer([new UserResolver(userService)]), {
    User: { __resolveReference: resolveUserReference(userService) },
  });
  const relay = new OutboxRelay(bus, [users, workspaces] as unknown as OutboxModel[], logger);
  return serveSubgraphService(infra, config, { schema, relay });
}

if (require.main === module) runServiceMain(() => startAccountsService(loadAccountsConfig()));
