import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '@leadgraph/platform';
import { CreditWorkspaceEntity } from '../credits/credit.types';
import type { PaymentMethodService } from './payment-method.service';
import { AttachPaymentMethodInputType, PaymentMethodType } from './payment-method.types';

@Resolver(() => PaymentMethodType)
export class PaymentMethodResolver {
  constructor(private readonly paymentMethods: PaymentMethodService) {}

  @Mutation(() => PaymentMethodType, { description: 'Attach a card or SEPA debit to the workspace; administrators only' })
  async attachPaymentMethod(
    @Arg('input', () => AttachPaymentMethodInputType) input: AttachPaymentMethodInputType,
    @Ctx() context: RequestContext,
  ): Promise<PaymentMethodType> {
    return PaymentMethodType.from(await this.paymentMethods.attach(context.caller, { ...input }));
  }
}

@Resolver(() => CreditWorkspaceEntity)
export class WorkspacePaymentMethodsResolver {
  constructor(private readonly paymentMethodService: PaymentMethodService) {}

  @FieldResolver(() => [PaymentMethodType], { description: "The workspace's payment methods, default first; administrators and billing:read tokens" })
  async paymentMethods(@Root() workspace: CreditWorkspaceEntity, @Ctx() context: RequestContext): Promise<PaymentMethodType[]> {
    const methods = await this.paymentMethodService.listFor(context.caller, { ownerType: 'WORKSPACE', ownerId: workspace.id });
    return methods.map(PaymentMethodType.from);
  }
}
