import {
  OutboxRelay,
  connectServiceInfra,
  instanceContainer,
  runServiceMain,
  schedulePeriodicJob,
  serveSubgraphService,
  type OutboxModel,
  type RunningService,
  type ServiceOverrides,
} from '@leadgraph/platform';
import { loadBillingConfig, type BillingConfig } from './config';
import { creditAccountModel, creditLedgerModel } from './credits/credit.model';
import {
  CreditAdminResolver,
  UserCreditsResolver,
  WorkspaceCreditsResolver,
  resolveCreditUserReference,
  resolveCreditWorkspaceReference,
} from './credits/credit.resolver';
import { CreditLedgerService } from './credits/credit.service';
import { workspacePlanModel } from './spend/spend.model';
import { CreditOwnerDirectory } from './spend/spend.service';
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
  // Credits (BIL-01/03/04/05/07/08): one account document per owner, an append-only ledger.
  const plans = planModel(connection);
  const creditOwners = new CreditOwnerDirectory(
    workspacePlanModel(connection),
    async (planId) => (await plans.findById(planId, { kind: 1 }).lean())?.kind ?? null,
    logger,
  );
  const creditAccounts = creditAccountModel(connection);
  const creditLedger = new CreditLedgerService(creditAccounts, creditLedgerModel(connection), creditOwners, clock, logger, () => relay.nudge());
  // Reference data first: quotes must never run against a half-seeded catalogue.
  await vatService.seedCountries();
  await planService.seedCatalogue();

  const schema = await buildBillingSchema(
    instanceContainer([new PlanResolver(planService), new UserCreditsResolver(creditLedger), new WorkspaceCreditsResolver(creditLedger), new CreditAdminResolver(creditLedger)]),
    {
      User: { __resolveReference: resolveCreditUserReference },
      Workspace: { __resolveReference: resolveCreditWorkspaceReference },
    },
  );
  // No aggregate publishes events yet; the relay is there for the ones that will.
  const relay = new OutboxRelay(bus, [creditAccounts as unknown as OutboxModel], logger);
  creditLedger.startRelay();
  const creditJobs = [
    schedulePeriodicJob('credit-ledger-relay', config.BILLING_JOB_INTERVAL_SECONDS * 1000, () => creditLedger.relayLedger(), logger),
    schedulePeriodicJob('credit-expiry', config.BILLING_JOB_INTERVAL_SECONDS * 1000, () => creditLedger.expireDue(clock.now()), logger),
  ];
  return serveSubgraphService(infra, config, { schema, relay, onStop: [...creditJobs, () => creditLedger.stopRelay()] });
}

if (require.main === module) runServiceMain(() => startBillingService(loadBillingConfig()));
