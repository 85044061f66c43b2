import { Field, InputType, ObjectType, registerEnumType } from 'type-graphql';
import type { UserDocument } from '../users/user.model';

export enum LanguageGql {
  EN = 'en',
  FR = 'fr',
}
registerEnumType(LanguageGql, { name: 'Language', description: 'Language of the interface and of the mails we send' });

@ObjectType('Preferences')
export class PreferencesType {
  @Field(() => LanguageGql)
  language!: LanguageGql;

  @Field(() => Boolean, { description: 'Opted in to marketing e-mails' })
  marketingEmails!: boolean;

  @Field(() => Date, { nullable: true, description: 'When the marketing choice was last made (proof of consent)' })
  marketingEmailsChangedAt!: Date | null;

  static from(preferences: UserDocument['preferences']): PreferencesType {
    return Object.assign(new PreferencesType(), {
      language: preferences.language as LanguageGql,
      marketingEmails: preferences.marketingEmails,
      marketingEmailsChangedAt: preferences.marketingEmailsChangedAt ?? null,
    });
  }
}

@InputType('UpdatePreferencesInput')
export class UpdatePreferencesInput {
  @Field(() => LanguageGql, { nullable: true })
  language?: LanguageGql | null;

  @Field(() => Boolean, { nullable: true })
  marketingEmails?: boolean | null;
}
