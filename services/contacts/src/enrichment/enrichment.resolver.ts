import { z } from 'zod';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { checkPageSize, decodeCursor, encodeCursor, notFound, type RequestContext } from '@leadgraph/platform';
import type { EnrichmentService } from './enrichment.service';
import { EnrichmentItemConnectionType, EnrichmentItemEdgeType, EnrichmentItemType, EnrichmentJobType, SubmitEnrichmentJobInput } from './enrichment.types';

const itemCursorSchema = z.object({ i: z.number().int().min(0) });
const jobIdSchema = z.string().uuid();

@Resolver(() => EnrichmentJobType)
export class EnrichmentResolver {
  constructor(private readonly enrichment: EnrichmentService) {}

  @Mutation(() => EnrichmentJobType, { description: 'Submit a bulk enrichment job (scope contacts:reveal); it runs asynchronously' })
  async submitEnrichmentJob(@Arg('input', () => SubmitEnrichmentJobInput) input: SubmitEnrichmentJobInput, @Ctx() context: RequestContext): Promise<EnrichmentJobType> {
    const job = await this.enrichment.submit(context.caller, { identifiers: input.identifiers, fields: input.fields, maxCredits: input.maxCredits });
    const progress = await this.enrichment.progress(context.caller, job._id);
    if (!progress) throw notFound('No such enrichment job');
    return EnrichmentJobType.from(progress);
  }

  @Query(() => EnrichmentJobType, { nullable: true, description: "A job of the caller's workspace: progress and item results" })
  async enrichmentJob(@Arg('id', () => ID) id: string, @Ctx() context: RequestContext): Promise<EnrichmentJobType | null> {
    if (!jobIdSchema.safeParse(id).success) return null;
    const progress = await this.enrichment.progress(context.caller, id);
    return progress ? EnrichmentJobType.from(progress) : null;
  }

  @FieldResolver(() => EnrichmentItemConnectionType)
  async items(
    @Root() job: EnrichmentJobType,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() context: RequestContext,
  ): Promise<EnrichmentItemConnectionType> {
    const size = checkPageSize(first);
    const afterIndex = after ? decodeCursor(after, itemCursorSchema, 'after').i : null;
    const stored = await this.enrichment.jobFor(context.caller, job.id);
    if (!stored) throw notFound('No such enrichment job');
    const page = await this.enrichment.itemPage(context.caller, stored, size, afterIndex);
    const edges = page.items.map((view) => Object.assign(new EnrichmentItemEdgeType(), { cursor: encodeCursor({ i: view.item.index }), node: EnrichmentItemType.from(view) }));
    return Object.assign(new EnrichmentItemConnectionType(), { edges, hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null });
  }
}
