import { Directive, Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfoType } from '@leadgraph/platform';
import type { MaskedContactPoint, MaskedContactProfile, MaskedPhone } from './contact.rules';

export enum ContactSortGql {
  NAME = 'NAME',
  RECENTLY_UPDATED = 'RECENTLY_UPDATED',
}
registerEnumType(ContactSortGql, { name: 'ContactSort', description: 'Without a sort, results come in a stable database order' });
import type { ContactPage } from './contact.service';

export enum ContactDatumStatusGql {
  VERIFIED = 'VERIFIED',
  UNVERIFIED = 'UNVERIFIED',
  OUTDATED = 'OUTDATED',
}
registerEnumType(ContactDatumStatusGql, { name: 'ContactDatumStatus' });

export enum PhoneKindGql {
  MOBILE = 'MOBILE',
  LANDLINE = 'LANDLINE',
  UNKNOWN = 'UNKNOWN',
}
registerEnumType(PhoneKindGql, { name: 'PhoneKind' });

@ObjectType('MaskedEmail', { description: 'An e-mail address masked until revealed (j***@acme.com)' })
export class MaskedEmailType {
  @Field(() => String)
  masked!: string;

  @Field(() => ContactDatumStatusGql)
  status!: ContactDatumStatusGql;

  @Field(() => Date, { nullable: true })
  lastVerifiedAt!: Date | null;

  static from(point: MaskedContactPoint): MaskedEmailType {
    return Object.assign(new MaskedEmailType(), { ...point, status: point.status as ContactDatumStatusGql });
  }
}

@ObjectType('MaskedPhone', { description: 'A phone number masked until revealed (+33 6 ** ** ** 12)' })
export class MaskedPhoneType {
  @Field(() => String)
  masked!: string;

  @Field(() => PhoneKindGql)
  kind!: PhoneKindGql;

  @Field(() => String, { nullable: true, description: 'ISO 3166-1 alpha-2 country of the number' })
  country!: string | null;

  @Field(() => Boolean, { description: "On its country's national do-not-call list: not to be called for prospecting" })
  doNotCall!: boolean;

  @Field(() => ContactDatumStatusGql)
  status!: ContactDatumStatusGql;

  @Field(() => Date, { nullable: true })
  lastVerifiedAt!: Date | null;

  static from(phone: MaskedPhone): MaskedPhoneType {
    return Object.assign(new MaskedPhoneType(), { ...phone, kind: phone.kind as PhoneKindGql, status: phone.status as ContactDatumStatusGql });
  }
}

@ObjectType('ContactLocation')
export class ContactLocationType {
  @Field(() => String, { description: 'ISO 3166-1 alpha-2' })
  country!: string;

  @Field(() => String, { nullable: true })
  city!: string | null;
}

/** A professional person of the contact database (CON-01), as search shows it (CON-02). */
@Directive('@key(fields: "id")')
@ObjectType('Contact')
export class ContactType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  jobTitle!: string | null;

  @Field(() => String, { nullable: true })
  company!: string | null;

  @Field(() => ContactLocationType, { nullable: true })
  location!: ContactLocationType | null;

  @Field(() => [String])
  skills!: string[];

  @Field(() => String, { nullable: true, description: 'Public social profile URL' })
  profileUrl!: string | null;

  @Field(() => [MaskedEmailType])
  professionalEmails!: MaskedEmailType[];

  @Field(() => [MaskedEmailType])
  directEmails!: MaskedEmailType[];

  @Field(() => [MaskedPhoneType])
  phones!: MaskedPhoneType[];

  @Field(() => Date)
  lastUpdatedAt!: Date;

  static from(profile: MaskedContactProfile): ContactType {
    return Object.assign(new ContactType(), {
      ...profile,
      location: profile.location ? Object.assign(new ContactLocationType(), profile.location) : null,
      professionalEmails: profile.professionalEmails.map(MaskedEmailType.from),
      directEmails: profile.directEmails.map(MaskedEmailType.from),
      phones: profile.phones.map(MaskedPhoneType.from),
    });
  }
}

@ObjectType('ContactEdge')
export class ContactEdgeType {
  @Field(() => String)
  cursor!: string;

  @Field(() => ContactType)
  node!: ContactType;
}

@ObjectType('ContactConnection')
export class ContactConnectionType {
  @Field(() => [ContactEdgeType])
  edges!: ContactEdgeType[];

  @Field(() => PageInfoType)
  pageInfo!: PageInfoType;

  static from(page: ContactPage): ContactConnectionType {
    return Object.assign(new ContactConnectionType(), {
      edges: page.edges.map((edge) => Object.assign(new ContactEdgeType(), { cursor: edge.cursor, node: ContactType.from(edge.profile) })),
      pageInfo: PageInfoType.of(page.hasNextPage, page.endCursor),
    });
  }
}

@InputType('ContactSearchFilter', { description: 'Every given criterion must match; words are matched whole, accents and case ignored' })
export class ContactSearchFilterInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  company?: string | null;

  @Field(() => String, { nullable: true })
  jobTitle?: string | null;

  @Field(() => String, { nullable: true, description: 'ISO 3166-1 alpha-2' })
  country?: string | null;

  @Field(() => String, { nullable: true })
  city?: string | null;

  @Field(() => [String], { nullable: true })
  skills?: string[] | null;

  @Field(() => Date, { nullable: true, description: 'Only profiles updated at or after this time' })
  updatedSince?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Only profiles updated before this time' })
  updatedBefore?: Date | null;
}

@InputType('ContactLookupInput', { description: 'Exactly one of profileUrl or email' })
export class ContactLookupInput {
  @Field(() => String, { nullable: true, description: 'A social profile URL, e.g. the LinkedIn page the user is looking at' })
  profileUrl?: string | null;

  @Field(() => String, { nullable: true })
  email?: string | null;
}
