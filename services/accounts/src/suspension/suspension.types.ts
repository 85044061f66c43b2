import { Field, ID, InputType, ObjectType } from 'type-graphql';
import type { Suspension } from '../users/user.model';

@ObjectType('Suspension')
export class SuspensionType {
  @Field(() => String)
  reason!: string;

  @Field(() => Date)
  suspendedAt!: Date;

  @Field(() => Date, { description: 'Not regularised by then, the subscription is terminated for fault' })
  regulariseBy!: Date;

  static from(suspension: Suspension): SuspensionType {
    return Object.assign(new SuspensionType(), {
      reason: suspension.reason,
      suspendedAt: suspension.suspendedAt,
      regulariseBy: suspension.regulariseBy,
    });
  }
}

@InputType('SuspendAccountInput')
export class SuspendAccountInput {
  @Field(() => ID)
  userId!: string;

  @Field(() => String, { description: 'The breach of the terms, as told to the user' })
  reason!: string;
}
