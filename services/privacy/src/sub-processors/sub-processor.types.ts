import { Field, ObjectType, registerEnumType } from 'type-graphql';
import type { SubProcessorDocument } from './sub-processor.model';

export enum PersonalDataCategoryGql {
  IDENTITY = 'IDENTITY',
  CONTACT_DETAILS = 'CONTACT_DETAILS',
  PROFESSIONAL_PROFILE = 'PROFESSIONAL_PROFILE',
  BILLING = 'BILLING',
  PAYMENT = 'PAYMENT',
  USAGE = 'USAGE',
  DEVICE = 'DEVICE',
  SUPPORT_MESSAGES = 'SUPPORT_MESSAGES',
}
registerEnumType(PersonalDataCategoryGql, { name: 'PersonalDataCategory' });

export enum TransferSafeguardGql {
  WITHIN_EEA = 'WITHIN_EEA',
  ADEQUACY_DECISION = 'ADEQUACY_DECISION',
  STANDARD_CONTRACTUAL_CLAUSES = 'STANDARD_CONTRACTUAL_CLAUSES',
}
registerEnumType(TransferSafeguardGql, {
  name: 'TransferSafeguard',
  description: 'Why data may go where the sub-processor is (GDPR chapter V)',
});

@ObjectType('SubProcessor', { description: 'A company processing personal data on our behalf' })
export class SubProcessorType {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  purpose!: string;

  @Field(() => String)
  location!: string;

  @Field(() => String, { description: 'ISO 3166-1 alpha-2 of the processing country' })
  country!: string;

  @Field(() => TransferSafeguardGql)
  transferSafeguard!: TransferSafeguardGql;

  @Field(() => [PersonalDataCategoryGql])
  dataCategories!: PersonalDataCategoryGql[];

  static from(document: SubProcessorDocument): SubProcessorType {
    return Object.assign(new SubProcessorType(), {
      name: document.name,
      purpose: document.purpose,
      location: document.location,
      country: document.country,
      transferSafeguard: document.transferSafeguard as TransferSafeguardGql,
      dataCategories: document.dataCategories as PersonalDataCategoryGql[],
    });
  }
}
