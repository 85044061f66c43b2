import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { requireUser, type RequestContext } from '@leadgraph/platform';
import type { AccountDeletionService } from './account-deletion.service';
import { AccountDeletionRequestType, AccountDeletionType, ConfirmAccountDeletionInput } from './account-deletion.types';

@Resolver()
export class AccountDeletionResolver {
  constructor(private readonly deletions: AccountDeletionService) {}

  @Mutation(() => AccountDeletionRequestType, { description: 'Mails a code that confirms the deletion (ACC-06)' })
  async requestAccountDeletion(@Ctx() context: RequestContext): Promise<AccountDeletionRequestType> {
    const caller = requireUser(context.caller);
    const { expiresAt } = await this.deletions.request(caller.userId);
    return Object.assign(new AccountDeletionRequestType(), { codeExpiresAt: expiresAt });
  }

  @Mutation(() => AccountDeletionType, { description: 'Irreversible: deletes your account (ACC-06)' })
  async confirmAccountDeletion(
    @Arg('input', () => ConfirmAccountDeletionInput) input: ConfirmAccountDeletionInput,
    @Ctx() context: RequestContext,
  ): Promise<AccountDeletionType> {
    const caller = requireUser(context.caller);
    return AccountDeletionType.from(await this.deletions.confirm(caller.userId, { code: input.code }));
  }
}
