import { z } from 'zod';
import {
  Mailer,
  OutboxRelay,
  connectServiceInfra,
  dataSubjectAnswerModel,
  instanceContainer,
  retentionRunReportModel,
  runServiceMain,
  schedulePeriodicJob,
  serveSubgraphService,
  type OutboxModel,
  type RunningService,
  type ServiceOverrides,
} from '@leadgraph/platform';
import { loadBillingConfig, type BillingConfig } from './config';
import { dataSubjectRequestConsumers } from './data-subject-requests/data-subject-request.events';
import { DataSubjectRequestService } from './data-subject-requests/data-subject-request.service';
import { RetentionService } from './retention/retention.service';
import { creditAccountModel, creditLedgerModel } from './credits/credit.model';
import {
  CreditAdminResolver,
  UserCreditsResolver,
  WorkspaceCreditsResolver,
  resolveCreditUserReference,
  resolveCreditWorkspaceReference,
} from './credits/credit.resolver';
import { creditEventConsumers } from './credits/credit.events';
import { CreditLedgerService } from './credits/credit.service';
import { spendEventConsumers } from './spend/spend.events';
import { serveCreditRpcs } from './spend/spend.rpc';
import { SpendResolver } from './spend/spend.resolver';
import { CreditBudgetResolver } from './budgets/budget.resolver';
import { CreditBudgetService } from './budgets/budget.service';
import { workspacePlanModel } from './spend/spend.model';
import { CreditOwnerDirectory } from './spend/spend.service';
import { planModel } from './plans/plan.model';
import { PlanResolver } from './plans/plan.resolver';
import { PlanService } from './plans/plan.service';
import { buildBillingSchema } from './schema';
import { workspaceRosterConsumers } from './workspace-roster/workspace-roster.events';
import { workspaceRosterModel } from './workspace-roster/workspace-roster.model';
import { WorkspaceRosterService } from './workspace-roster/workspace-roster.service';
import { vatCountryModel } from './vat/vat.model';
import { VatService } from './vat/vat.service';
import legalInterestRates from './invoices/legal-interest-rates.json';
import { invoiceModel } from './invoices/invoice.model';
import { WorkspaceInvoicesResolver } from './invoices/invoice.resolver';
import { legalInterestRateSchema } from './invoices/invoice.rules';
import { InvoiceService } from './invoices/invoice.service';
import { lifecycleEventConsumers } from './lifecycle/lifecycle.events';
import { LifecycleService } from './lifecycle/lifecycle.service';
import { paymentMethodModel } from './payment-methods/payment-method.model';
import { PaymentMethodResolver, WorkspacePaymentMethodsResolver } from './payment-methods/payment-method.resolver';
import { PaymentMethodService } from './payment-methods/payment-method.service';
import { addOnPriceModel, priceRevisionModel } from './plans/plan.model';
import { stripeCatalogueEntryModel, stripeCustomerModel } from './stripe/stripe.model';
import { StripeBilling, createStripeClient } from './stripe/stripe.service';
import { subscriptionModel } from './subscriptions/subscription.model';
import { SubscriptionResolver, UserSubscriptionResolver, WorkspaceSubscriptionResolver } from './subscriptions/subscription.resolver';
import { SubscriptionService } from './subscriptions/subscription.service';
import { webhookEventModel } from './webhooks/webhook.model';
import { stripeWebhookRoute } from './webhooks/webhook.resolver';
import { WebhookService } from './webhooks/webhook.service';

/** The running billing subgraph; tests run its subscription lifecycle after moving the clock. */
export interface RunningBillingService extends RunningService {
  lifecycle: LifecycleService;
  plans: PlanService;
  /** The reported retention pass over accounting records (PRV-07, BIL-17). */
  retention: RetentionService;
  dataSubjectRequests: DataSubjectRequestService;
}

/** Composition root of the billing subgraph. */
export async function startBillingService(config: BillingConfig, overrides: ServiceOverrides = {}): Promise<RunningBillingService> {
  const infra = await connectServiceInfra('billing', config, overrides);
  const { connection, bus, clock, logger } = infra;

  const vatService = new VatService(vatCountryModel(connection), config.SELLER_COUNTRY, clock);
  const planService = new PlanService(planModel(connection), vatService, addOnPriceModel(connection), priceRevisionModel(connection), clock);
  // Credits (BIL-01/03/04/05/07/08): one account document per owner, an append-only ledger.
  const plans = planModel(connection);
  const creditOwners = new CreditOwnerDirectory(
    workspacePlanModel(connection),
    async (planId) => (await plans.findById(planId, { kind: 1 }).lean())?.kind ?? null,
    logger,
  );
  const creditAccounts = creditAccountModel(connection);
  const creditLedger = new CreditLedgerService(creditAccounts, creditLedgerModel(connection), creditOwners, clock, logger, () => relay.nudge());
  const creditConsumers = [
    ...creditEventConsumers({ bus, connection, clock, logger, ledger: creditLedger }),
    ...spendEventConsumers({ bus, connection, clock, logger, owners: creditOwners, ledger: creditLedger }),
  ];
  // Subscriptions, Stripe, invoices, webhooks and their lifecycle (BIL-02, BIL-05/06, BIL-09..17).
  const mailer = new Mailer(config.SMTP_URL, config.MAIL_FROM);
  const stripeBilling = new StripeBilling(createStripeClient(config), stripeCustomerModel(connection), stripeCatalogueEntryModel(connection), clock);
  const [fiscalYearEndMonth, fiscalYearEndDay] = config.FISCAL_YEAR_END.split('-').map(Number);
  const invoiceService = new InvoiceService(
    invoiceModel(connection),
    clock,
    z.array(legalInterestRateSchema).parse(legalInterestRates),
    { month: fiscalYearEndMonth ?? 12, day: fiscalYearEndDay ?? 31 },
    logger,
  );
  const paymentMethodService = new PaymentMethodService(paymentMethodModel(connection), stripeBilling, clock);
  const subscriptions = subscriptionModel(connection);
  const rosterService = new WorkspaceRosterService(workspaceRosterModel(connection));
  const subscriptionService = new SubscriptionService({
    subscriptions,
    plans: planService,
    vat: vatService,
    stripe: stripeBilling,
    invoices: invoiceService,
    paymentMethods: paymentMethodService,
    ledger: creditLedger,
    rosters: rosterService,
    mailer,
    legalRates: z.array(legalInterestRateSchema).parse(legalInterestRates),
    clock,
    logger,
    outboxWritten: () => relay.nudge(),
  });
  const webhookService = new WebhookService(webhookEventModel(connection), stripeBilling, subscriptionService, config.STRIPE_WEBHOOK_SECRET, clock, logger);
  // PRV-07: the invoice purge (BIL-17) runs as a reported retention pass, a dry run when configured.
  const retentionReports = retentionRunReportModel(connection);
  const retention = new RetentionService(invoiceService, retentionReports, clock, logger, config.RETENTION_DRY_RUN, () => relay.nudge());
  const lifecycle = new LifecycleService(subscriptionService, planService, webhookService, clock, logger, retention);
  // PRV-02, PRV-05: billing's part of verified data-subject requests, each answered once.
  const dataSubjectAnswers = dataSubjectAnswerModel(connection);
  const dataSubjectRequests = new DataSubjectRequestService({
    subscriptions,
    invoices: invoiceModel(connection),
    paymentMethods: paymentMethodModel(connection),
    stripeCustomers: stripeCustomerModel(connection),
    creditAccounts,
    creditLedger: creditLedgerModel(connection),
    stripe: stripeBilling,
    answers: dataSubjectAnswers,
    sealKey: config.DATA_SUBJECT_SEAL_KEY,
    identifierKey: { secret: config.IDENTIFIER_HASH_KEY, version: config.IDENTIFIER_HASH_KEY_VERSION },
    clock,
    logger,
    outboxWritten: () => relay.nudge(),
  });
  // Reference data first: quotes must never run against a half-seeded catalogue.
  await vatService.seedCountries();
  await planService.seedCatalogue();

  const schema = await buildBillingSchema(
    instanceContainer([new PlanResolver(planService), new UserCreditsResolver(creditLedger), new WorkspaceCreditsResolver(creditLedger), new CreditAdminResolver(creditLedger),
      new SpendResolver(creditLedger), new CreditBudgetResolver(new CreditBudgetService(creditAccounts, creditLedger, clock)),
      new SubscriptionResolver(subscriptionService, planService, invoiceService, clock),
      new WorkspaceSubscriptionResolver(subscriptionService, clock),
      new UserSubscriptionResolver(subscriptionService, clock),
      new WorkspaceInvoicesResolver(invoiceService),
      new PaymentMethodResolver(paymentMethodService),
      new WorkspacePaymentMethodsResolver(paymentMethodService),
    ]),
    {
      User: { __resolveReference: resolveCreditUserReference },
      Workspace: { __resolveReference: resolveCreditWorkspaceReference },
    },
  );
  const relay = new OutboxRelay(
    bus,
    [
      creditAccounts as unknown as OutboxModel,
      subscriptions as unknown as OutboxModel,
      dataSubjectAnswers as unknown as OutboxModel,
      retentionReports as unknown as OutboxModel,
    ],
    logger,
  );
  creditLedger.startRelay();
  const creditJobs = [
    schedulePeriodicJob('credit-ledger-relay', config.BILLING_JOB_INTERVAL_SECONDS * 1000, () => creditLedger.relayLedger(), logger),
    // Renewals first: a rollover plan carries over what is left of a period before it expires (BIL-05).
    schedulePeriodicJob('credit-expiry', config.BILLING_JOB_INTERVAL_SECONDS * 1000, () => lifecycle.runRenewals(), logger),
  ];
  const stopLifecycle = schedulePeriodicJob('subscription-lifecycle', config.BILLING_JOB_INTERVAL_SECONDS * 1000, () => lifecycle.runAll(), logger);
  const running = await serveSubgraphService(infra, config, {
    schema,
    relay,
    consumers: [
      ...creditConsumers,
      ...lifecycleEventConsumers({ bus, connection, clock, logger, subscriptions: subscriptionService }),
      ...workspaceRosterConsumers({ bus, connection, clock, logger, rosters: rosterService }),
      ...dataSubjectRequestConsumers({ bus, connection, clock, logger, requests: dataSubjectRequests }),
    ],
    rpc: serveCreditRpcs(bus, creditLedger, logger),
    routes: stripeWebhookRoute(webhookService, logger),
    onStop: [...creditJobs, () => creditLedger.stopRelay(), stopLifecycle, () => mailer.close()],
  });
  return Object.assign(running, { lifecycle, plans: planService, retention, dataSubjectRequests });
}

if (require.main === module) runServiceMain(() => startBillingService(loadBillingConfig()));
