import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfoType } from '@leadgraph/platform';
import { privacyAuditActions, privacyAuditSubjectTypes, type PrivacyAuditEntryDocument } from './audit.model';
import type { PrivacyAuditPage } from './audit.service';

export const PrivacyAuditActionGql = Object.fromEntries(privacyAuditActions.map((action) => [action, action])) as {
  [A in (typeof privacyAuditActions)[number]]: A;
};
registerEnumType(PrivacyAuditActionGql, { name: 'PrivacyAuditAction' });

export const PrivacyAuditSubjectTypeGql = Object.fromEntries(privacyAuditSubjectTypes.map((type) => [type, type])) as {
  [T in (typeof privacyAuditSubjectTypes)[number]]: T;
};
registerEnumType(PrivacyAuditSubjectTypeGql, { name: 'PrivacyAuditSubjectType' });

@ObjectType('PrivacyAuditDetail')
export class PrivacyAuditDetailType {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  value!: string;
}

@ObjectType('PrivacyAuditEntry', { description: 'One privacy action in the append-only audit trail (PRV-10)' })
export class PrivacyAuditEntryType {
  @Field(() => ID)
  id!: string;

  @Field(() => PrivacyAuditActionGql)
  action!: PrivacyAuditEntryDocument['action'];

  @Field(() => PrivacyAuditSubjectTypeGql)
  subjectType!: PrivacyAuditEntryDocument['subjectType'];

  @Field(() => ID)
  subjectId!: string;

  @Field(() => ID, { nullable: true, description: 'Null for anonymous visitors and system actions' })
  actorUserId!: string | null;

  @Field(() => [PrivacyAuditDetailType])
  details!: PrivacyAuditDetailType[];

  @Field(() => Date)
  at!: Date;

  static from(entry: PrivacyAuditEntryDocument): PrivacyAuditEntryType {
    return Object.assign(new PrivacyAuditEntryType(), {
      id: entry._id,
      action: entry.action,
      subjectType: entry.subjectType,
      subjectId: entry.subjectId,
      actorUserId: entry.actorUserId,
      details: Object.entries(entry.details ?? {}).map(([name, value]) => Object.assign(new PrivacyAuditDetailType(), { name, value })),
      at: entry.at,
    });
  }
}

@ObjectType('PrivacyAuditEdge')
export class PrivacyAuditEdgeType {
  @Field(() => String)
  cursor!: string;

  @Field(() => PrivacyAuditEntryType)
  node!: PrivacyAuditEntryType;
}

@ObjectType('PrivacyAuditConnection')
export class PrivacyAuditConnectionType {
  @Field(() => [PrivacyAuditEdgeType])
  edges!: PrivacyAuditEdgeType[];

  @Field(() => PageInfoType)
  pageInfo!: PageInfoType;

  static from(page: PrivacyAuditPage): PrivacyAuditConnectionType {
    return Object.assign(new PrivacyAuditConnectionType(), {
      edges: page.entries.map(({ entry, cursor }) => Object.assign(new PrivacyAuditEdgeType(), { cursor, node: PrivacyAuditEntryType.from(entry) })),
      pageInfo: PageInfoType.of(page.hasNextPage, page.endCursor),
    });
  }
}
