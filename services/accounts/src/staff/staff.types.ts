import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import type { StaffAuditEntryDocument } from './staff.model';
import type { StaffAuditPage } from './staff.service';

export enum StaffRoleGql {
  SUPPORT = 'SUPPORT',
  PRIVACY_OFFICER = 'PRIVACY_OFFICER',
  BILLING_ADMIN = 'BILLING_ADMIN',
  SUPER_ADMIN = 'SUPER_ADMIN',
}
registerEnumType(StaffRoleGql, { name: 'StaffRole', description: 'Platform staff roles (internal admin tools)' });

export enum StaffRoleChangeGql {
  GRANT = 'GRANT',
  REVOKE = 'REVOKE',
}
registerEnumType(StaffRoleChangeGql, { name: 'StaffRoleChange' });

@InputType('StaffRoleInput')
export class StaffRoleInput {
  @Field(() => ID)
  userId!: string;

  @Field(() => StaffRoleGql)
  role!: StaffRoleGql;
}

@ObjectType('StaffAuditEntry')
export class StaffAuditEntryType {
  @Field(() => ID)
  id!: string;

  @Field(() => StaffRoleChangeGql)
  action!: StaffRoleChangeGql;

  @Field(() => StaffRoleGql)
  role!: StaffRoleGql;

  @Field(() => ID)
  targetUserId!: string;

  @Field(() => ID, { nullable: true, description: 'Null when the platform acted (bootstrap super admin)' })
  actorUserId!: string | null;

  @Field(() => Date)
  at!: Date;

  static from(entry: StaffAuditEntryDocument): StaffAuditEntryType {
    return Object.assign(new StaffAuditEntryType(), {
      id: entry._id,
      action: entry.action as StaffRoleChangeGql,
      role: entry.role as StaffRoleGql,
      targetUserId: entry.targetUserId,
      actorUserId: entry.actorUserId,
      at: entry.at,
    });
  }
}

@ObjectType('StaffAuditLogPage')
export class StaffAuditLogPageType {
  @Field(() => [StaffAuditEntryType])
  entries!: StaffAuditEntryType[];

  @Field(() => String, { nullable: true })
  endCursor!: string | null;

  @Field(() => Boolean)
  hasNextPage!: boolean;

  static from(page: StaffAuditPage): StaffAuditLogPageType {
    return Object.assign(new StaffAuditLogPageType(), {
      entries: page.entries.map((entry) => StaffAuditEntryType.from(entry)),
      endCursor: page.endCursor,
      hasNextPage: page.hasNextPage,
    });
  }
}
