import {
  OutboxRelay,
  connectServiceInfra,
  instanceContainer,
  runServiceMain,
  serveSubgraphService,
  type RunningService,
  type ServiceOverrides,
} from '@leadgraph/platform';
import { loadBillingConfig, type BillingConfig } from './config';
import { creditLedgerModel } from './credits/credit.model';
import {
  UserCreditsResolver,
  WorkspaceCreditsResolver,
  resolveCreditUserReference,
  resolveCreditWorkspaceReference,
} from './credits/credit.resolver';
import { CreditService } from './credits/credit.service';
import { planModel } from './plans/plan.model';
import { PlanResolver } from './plans/plan.resolver';
import { PlanService } from './plans/plan.service';
import { buildBillingSchema } from './schema';
import { vatCountryModel } from './vat/vat.model';
import { VatService } from './vat/vat.service';

/** Composition root of the billing subgraph. */
export async function startBillingService(config: BillingConfig, overrides: ServiceOverrides = {}): Promise<RunningService> {
  const infra = await connectServiceInfra('billing', config, overrides);
  const { connection, bus, clock, logger } = infra;

  const vatService = new VatService(vatCountryModel(connection), config.SELLER_COUNTRY, clock);
  const planService = new PlanService(planModel(connection), vatService);
  const creditService = new CreditService(creditLedgerModel(connection), clock);
  // Reference data first: quotes must never run against a half-seeded catalogue.
  await vatService.seedCountries();
  await planService.seedCatalogue();

  const schema = await buildBillingSchema(
    instanceContainer([new PlanResolver(planService), new UserCreditsResolver(creditService), new WorkspaceCreditsResolver(creditService)]),
    {
      User: { __resolveReference: resolveCreditUserReference },
      Workspace: { __resolveReference: resolveCreditWorkspaceReference },
    },
  );
  // No aggregate publishes events yet; the relay is there for the ones that will.
  const relay = new OutboxRelay(bus, [], logger);
  return serveSubgraphService(infra, config, { schema, relay });
}

if (require.main === module) runServiceMain(() => startBillingService(loadBillingConfig()));
