import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema, sharedScalarsMap, type ReferenceResolvers } from '@leadgraph/platform';
import { CreditAdminResolver, UserCreditsResolver, WorkspaceCreditsResolver } from './credits/credit.resolver';
import { SpendResolver } from './spend/spend.resolver';
import { CreditBudgetResolver } from './budgets/budget.resolver';
import { CreditUserEntity, CreditWorkspaceEntity } from './credits/credit.types';
import { PlanResolver } from './plans/plan.resolver';
import { WorkspaceInvoicesResolver } from './invoices/invoice.resolver';
import { PaymentMethodResolver, WorkspacePaymentMethodsResolver } from './payment-methods/payment-method.resolver';
import { SubscriptionResolver, UserSubscriptionResolver, WorkspaceSubscriptionResolver } from './subscriptions/subscription.resolver';

/** Resolver classes of this subgraph; the container supplies their instances at run time. */
export const billingResolvers = [
  PlanResolver,
  UserCreditsResolver,
  WorkspaceCreditsResolver,
  CreditAdminResolver,
  SpendResolver,
  CreditBudgetResolver,
  SubscriptionResolver,
  WorkspaceSubscriptionResolver,
  UserSubscriptionResolver,
  WorkspaceInvoicesResolver,
  PaymentMethodResolver,
  WorkspacePaymentMethodsResolver,
] as const;

export function buildBillingSchema(
  container: { get(someClass: unknown): object },
  referenceResolvers: ReferenceResolvers = {},
): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    {
      resolvers: billingResolvers,
      container,
      scalarsMap: sharedScalarsMap,
      // Entities only reached through `_entities` (no query returns them here).
      orphanedTypes: [CreditUserEntity, CreditWorkspaceEntity],
    },
    referenceResolvers,
  );
}
