import { Field, ID, InputType, ObjectType } from 'type-graphql';
import type { AccountDeletionSummary } from './account-deletion.service';

@ObjectType('AccountDeletionRequest')
export class AccountDeletionRequestType {
  @Field(() => Date, { description: 'When the mailed confirmation code expires' })
  codeExpiresAt!: Date;
}

@ObjectType('AccountDeletion')
export class AccountDeletionType {
  @Field(() => Date)
  deletedAt!: Date;

  @Field(() => ID, { nullable: true, description: 'Deleted for everyone: you were its only administrator (ACC-06)' })
  deletedWorkspaceId!: string | null;

  @Field(() => ID, { nullable: true, description: 'The workspace you were withdrawn from' })
  leftWorkspaceId!: string | null;

  static from(summary: AccountDeletionSummary): AccountDeletionType {
    return Object.assign(new AccountDeletionType(), summary);
  }
}

@InputType()
export class ConfirmAccountDeletionInput {
  @Field(() => String, { description: 'The code mailed by requestAccountDeletion' })
  code!: string;
}
