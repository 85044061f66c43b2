import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { CreditTypeGql } from '@leadgraph/platform';
import { ContactDatumStatusGql, ContactType, PhoneKindGql } from '../contacts/contact.types';
import type { RevealResult } from './reveal.service';
import type { RevealedDetails, RevealedEmail, RevealedPhone } from './reveal.rules';

export enum RevealFieldGql {
  PRO_EMAIL = 'PRO_EMAIL',
  PHONE = 'PHONE',
  DIRECT_EMAIL = 'DIRECT_EMAIL',
}
registerEnumType(RevealFieldGql, { name: 'RevealField', description: 'A field type of a contact, revealed for one credit of the same type (BIL-01)' });

@ObjectType('RevealedEmail')
export class RevealedEmailType {
  @Field(() => String)
  address!: string;

  @Field(() => ContactDatumStatusGql)
  status!: ContactDatumStatusGql;

  @Field(() => Date, { nullable: true })
  lastVerifiedAt!: Date | null;

  static from(email: RevealedEmail): RevealedEmailType {
    return Object.assign(new RevealedEmailType(), { ...email, status: email.status as ContactDatumStatusGql });
  }
}

@ObjectType('RevealedPhone')
export class RevealedPhoneType {
  @Field(() => String, { description: 'E.164' })
  number!: string;

  @Field(() => PhoneKindGql)
  kind!: PhoneKindGql;

  @Field(() => String, { nullable: true })
  country!: string | null;

  @Field(() => Boolean)
  doNotCall!: boolean;

  @Field(() => ContactDatumStatusGql)
  status!: ContactDatumStatusGql;

  @Field(() => Date, { nullable: true })
  lastVerifiedAt!: Date | null;

  static from(phone: RevealedPhone): RevealedPhoneType {
    return Object.assign(new RevealedPhoneType(), { ...phone, kind: phone.kind as PhoneKindGql, status: phone.status as ContactDatumStatusGql });
  }
}

@ObjectType('RevealedDetails', { description: "The contact details revealed in the caller's workspace (or personally, outside one)" })
export class RevealedDetailsType {
  @Field(() => [RevealFieldGql])
  fields!: RevealFieldGql[];

  @Field(() => [RevealedEmailType])
  professionalEmails!: RevealedEmailType[];

  @Field(() => [RevealedEmailType])
  directEmails!: RevealedEmailType[];

  @Field(() => [RevealedPhoneType])
  phones!: RevealedPhoneType[];

  static from(details: RevealedDetails): RevealedDetailsType {
    return Object.assign(new RevealedDetailsType(), {
      fields: details.fields.map((field) => field as RevealFieldGql),
      professionalEmails: details.professionalEmails.map(RevealedEmailType.from),
      directEmails: details.directEmails.map(RevealedEmailType.from),
      phones: details.phones.map(RevealedPhoneType.from),
    });
  }
}

@ObjectType('CreditCharge')
export class CreditChargeType {
  @Field(() => CreditTypeGql)
  creditType!: CreditTypeGql;

  @Field(() => Int, { description: '1 when this request paid for the field, 0 when it was already revealed' })
  charged!: number;

  @Field(() => Int, { nullable: true, description: 'Credits of this type left to the payer afterwards' })
  remaining!: number | null;
}

@ObjectType('RevealContactPayload')
export class RevealContactPayloadType {
  @Field(() => ContactType, { nullable: true })
  contact!: ContactType | null;

  @Field(() => RevealedDetailsType)
  revealed!: RevealedDetailsType;

  @Field(() => Int)
  creditsCharged!: number;

  @Field(() => [CreditChargeType])
  charges!: CreditChargeType[];

  @Field(() => [RevealFieldGql], { description: 'Already revealed in the workspace: free' })
  alreadyRevealed!: RevealFieldGql[];

  @Field(() => [RevealFieldGql], { description: 'No such data on the profile: nothing revealed, nothing charged' })
  unavailable!: RevealFieldGql[];

  static from(result: RevealResult, contact: ContactType | null): RevealContactPayloadType {
    return Object.assign(new RevealContactPayloadType(), {
      contact,
      revealed: RevealedDetailsType.from(result.details),
      creditsCharged: result.creditsCharged,
      charges: result.charges.map((charge) => Object.assign(new CreditChargeType(), { ...charge, creditType: charge.creditType as CreditTypeGql })),
      alreadyRevealed: result.alreadyRevealed.map((field) => field as RevealFieldGql),
      unavailable: result.unavailable.map((field) => field as RevealFieldGql),
    });
  }
}
