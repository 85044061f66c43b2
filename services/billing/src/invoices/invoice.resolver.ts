import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { PageInfoType, type RequestContext } from '@leadgraph/platform';
import { CreditWorkspaceEntity } from '../credits/credit.types';
import { assertMayReadBilling } from '../subscriptions/subscription.rules';
import type { InvoiceService } from './invoice.service';
import { InvoiceConnectionType, InvoiceEdgeType, InvoiceType } from './invoice.types';

@Resolver(() => CreditWorkspaceEntity)
export class WorkspaceInvoicesResolver {
  constructor(private readonly invoiceService: InvoiceService) {}

  @FieldResolver(() => InvoiceConnectionType, { description: "The workspace's invoices, newest first; administrators and billing:read tokens" })
  async invoices(
    @Root() workspace: CreditWorkspaceEntity,
    @Ctx() context: RequestContext,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<InvoiceConnectionType> {
    const owner = { ownerType: 'WORKSPACE' as const, ownerId: workspace.id };
    assertMayReadBilling(context.caller, owner);
    const page = await this.invoiceService.listFor(owner, first, after);
    return Object.assign(new InvoiceConnectionType(), {
      edges: page.invoices.map(({ invoice, cursor }) =>
        Object.assign(new InvoiceEdgeType(), { node: InvoiceType.from(invoice, this.invoiceService.lateChargesOf(invoice)), cursor }),
      ),
      pageInfo: PageInfoType.of(page.hasNextPage, page.endCursor),
    });
  }
}
