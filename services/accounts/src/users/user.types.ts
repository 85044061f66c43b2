import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import type { UserDocument } from './user.model';

export enum UserStatusGql {
  PENDING_VERIFICATION = 'PENDING_VERIFICATION',
  ACTIVE = 'ACTIVE',
  SUSPENDED = 'SUSPENDED',
  DELETED = 'DELETED',
}
registerEnumType(UserStatusGql, { name: 'UserStatus' });

export enum WorkspaceRoleGql {
  ADMIN = 'ADMIN',
  MEMBER = 'MEMBER',
}
registerEnumType(WorkspaceRoleGql, { name: 'WorkspaceRole' });

/** Federation entity: other subgraphs extend `User` (credits, consent...) by its id. */
@Directive('@key(fields: "id")')
@ObjectType('User')
export class UserType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: 'Null once the account is deleted' })
  email!: string | null;

  @Field(() => String, { nullable: true })
  displayName!: string | null;

  @Field(() => UserStatusGql)
  status!: UserStatusGql;

  @Field(() => String, { nullable: true })
  workspaceId!: string | null;

  @Field(() => WorkspaceRoleGql, { nullable: true })
  workspaceRole!: WorkspaceRoleGql | null;

  @Field(() => Date)
  createdAt!: Date;

  /**
   * Not a GraphQL field: the stored user, from which UserResolver's field resolvers show private
   * details (profile link, preferences, staff roles, suspension) to the user themself and staff.
   */
  source!: UserDocument;

  static from(document: UserDocument): UserType {
    return Object.assign(new UserType(), {
      source: document,
      id: document._id,
      email: document.email,
      displayName: document.displayName,
      status: document.status as UserStatusGql,
      workspaceId: document.workspaceId,
      workspaceRole: document.workspaceRole as WorkspaceRoleGql | null,
      createdAt: document.createdAt,
    });
  }
}
