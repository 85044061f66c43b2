import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { requireStaffRole, requireUser, type RequestContext } from '@leadgraph/platform';
import type { LegalService } from './legal.service';
import { LegalAcceptanceType, LegalDocumentRefInput, LegalDocumentType, PublishLegalDocumentInput } from './legal.types';

@Resolver()
export class LegalResolver {
  constructor(private readonly legal: LegalService) {}

  @Query(() => [LegalDocumentType], { description: 'The terms and privacy policy in force (public)' })
  async currentLegalDocuments(): Promise<LegalDocumentType[]> {
    return (await this.legal.currentDocuments()).map((document) => LegalDocumentType.from(document));
  }

  @Query(() => [LegalDocumentType], { description: 'Published versions not yet in force (public)' })
  async upcomingLegalDocuments(): Promise<LegalDocumentType[]> {
    return (await this.legal.upcomingDocuments()).map((document) => LegalDocumentType.from(document));
  }

  @Query(() => [LegalAcceptanceType], { description: "The signed-in user's acceptance history (ACC-09)" })
  async myLegalAcceptances(@Ctx() context: RequestContext): Promise<LegalAcceptanceType[]> {
    return (await this.legal.history(requireUser(context.caller).userId)).map((entry) => LegalAcceptanceType.from(entry));
  }

  @Query(() => [LegalAcceptanceType], { description: "A user's acceptance history (support staff)" })
  async userLegalAcceptances(@Arg('userId', () => ID) userId: string, @Ctx() context: RequestContext): Promise<LegalAcceptanceType[]> {
    requireStaffRole(context.caller, 'SUPPORT');
    return (await this.legal.history(userId)).map((entry) => LegalAcceptanceType.from(entry));
  }

  @Mutation(() => [LegalAcceptanceType], { description: 'Accepts a version in force or upcoming; returns the history' })
  async acceptLegalDocument(@Arg('input', () => LegalDocumentRefInput) input: LegalDocumentRefInput, @Ctx() context: RequestContext): Promise<LegalAcceptanceType[]> {
    const caller = requireUser(context.caller);
    return (await this.legal.accept(caller.userId, input.kind, input.version)).map((entry) => LegalAcceptanceType.from(entry));
  }

  @Mutation(() => [LegalAcceptanceType], { description: 'Refuses a version (a subscriber may then terminate); returns the history' })
  async refuseLegalDocument(@Arg('input', () => LegalDocumentRefInput) input: LegalDocumentRefInput, @Ctx() context: RequestContext): Promise<LegalAcceptanceType[]> {
    const caller = requireUser(context.caller);
    return (await this.legal.refuse(caller.userId, input.kind, input.version)).map((entry) => LegalAcceptanceType.from(entry));
  }

  @Mutation(() => LegalDocumentType, { description: 'Super admins: publishes a new version; every user is told by mail' })
  async publishLegalDocument(@Arg('input', () => PublishLegalDocumentInput) input: PublishLegalDocumentInput, @Ctx() context: RequestContext): Promise<LegalDocumentType> {
    const actor = requireStaffRole(context.caller, 'SUPER_ADMIN');
    return LegalDocumentType.from(await this.legal.publish(actor.userId, { ...input }));
  }
}
