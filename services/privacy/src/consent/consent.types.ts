import { Field, InputType, ObjectType, registerEnumType } from 'type-graphql';
import type { CurrentConsentView } from './consent.service';

export enum ConsentMethodGql {
  ACCEPT = 'ACCEPT',
  REJECT = 'REJECT',
  SAVE = 'SAVE',
  GPC = 'GPC',
  WITHDRAW = 'WITHDRAW',
}
registerEnumType(ConsentMethodGql, { name: 'ConsentMethod', description: 'How a consent choice was made' });

export enum ConsentSourceGql {
  CHOICE = 'CHOICE',
  GLOBAL_PRIVACY_CONTROL = 'GLOBAL_PRIVACY_CONTROL',
  DEFAULT = 'DEFAULT',
}
registerEnumType(ConsentSourceGql, {
  name: 'ConsentSource',
  description: 'Why the current consent is what it is: an unexpired choice, a GPC signal without one, or the defaults',
});

export enum ConsentSubjectTypeGql {
  VISITOR = 'VISITOR',
  USER = 'USER',
}
registerEnumType(ConsentSubjectTypeGql, { name: 'ConsentSubjectType' });

/**
 * Categories are strings checked by the service (ANALYTICS, FUNCTIONALITY, TARGETING), so an
 * unknown one is a BAD_USER_INPUT naming the field, like every other bad input.
 */
@InputType({ description: 'A consent choice; without visitorId it is the signed-in user’s' })
export class RecordConsentInput {
  @Field(() => String, { nullable: true })
  visitorId?: string | null;

  @Field(() => String, { nullable: true, description: 'Required; checked by the service' })
  policyVersion?: string | null;

  @Field(() => ConsentMethodGql, { description: 'ACCEPT, REJECT, SAVE or GPC (withdrawal: withdrawConsent)' })
  method!: ConsentMethodGql;

  @Field(() => [String], { nullable: true, description: 'Granted optional categories (SAVE, GPC)' })
  categories?: string[] | null;
}

@InputType({ description: 'Withdraws the listed optional categories, all of them when none is listed' })
export class WithdrawConsentInput {
  @Field(() => String, { nullable: true })
  visitorId?: string | null;

  @Field(() => String, { nullable: true, description: 'Required; checked by the service' })
  policyVersion?: string | null;

  @Field(() => [String], { nullable: true })
  categories?: string[] | null;
}

@ObjectType('ConsentCategories')
export class ConsentCategoriesType {
  @Field(() => Boolean, { description: 'Always true: needs no consent' })
  strictlyNecessary!: boolean;

  @Field(() => Boolean)
  analytics!: boolean;

  @Field(() => Boolean)
  functionality!: boolean;

  @Field(() => Boolean)
  targeting!: boolean;
}

@ObjectType('Consent', { description: 'Current consent of a visitor or user (PRV-06)' })
export class ConsentType {
  @Field(() => ConsentSubjectTypeGql)
  subjectType!: ConsentSubjectTypeGql;

  @Field(() => String)
  subjectId!: string;

  @Field(() => ConsentCategoriesType)
  categories!: ConsentCategoriesType;

  @Field(() => ConsentSourceGql)
  source!: ConsentSourceGql;

  @Field(() => String, { nullable: true })
  policyVersion!: string | null;

  @Field(() => ConsentMethodGql, { nullable: true })
  method!: ConsentMethodGql | null;

  @Field(() => Date, { nullable: true })
  decidedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'A choice lasts 12 months' })
  expiresAt!: Date | null;

  static from(view: CurrentConsentView): ConsentType {
    return Object.assign(new ConsentType(), {
      subjectType: view.subjectType as ConsentSubjectTypeGql,
      subjectId: view.subjectId,
      categories: Object.assign(new ConsentCategoriesType(), { strictlyNecessary: true, ...view.categories }),
      source: view.source as ConsentSourceGql,
      policyVersion: view.choice?.policyVersion ?? null,
      method: (view.choice?.method ?? null) as ConsentMethodGql | null,
      decidedAt: view.choice?.decidedAt ?? null,
      expiresAt: view.choice?.expiresAt ?? null,
    });
  }
}
