import { Directive, Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { WorkspaceRoleGql } from '../users/user.types';
import type { WorkspaceDocument } from './workspace.model';
import type { MemberView } from './workspace.service';

/** Federation entity: billing (credits, subscription) and contacts (address book) extend it. */
@Directive('@key(fields: "id")')
@ObjectType('Workspace')
export class WorkspaceType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  name!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Int, { nullable: true, description: 'Member limit from the subscription seats' })
  seatLimit!: number | null;

  static from(document: WorkspaceDocument): WorkspaceType {
    return Object.assign(new WorkspaceType(), {
      id: document._id,
      name: document.name,
      createdAt: document.createdAt,
      seatLimit: document.seatLimit,
    });
  }
}

@ObjectType('WorkspaceMember')
export class WorkspaceMemberType {
  @Field(() => ID, { description: 'The member\'s user id' })
  id!: string;

  @Field(() => String, { nullable: true })
  email!: string | null;

  @Field(() => String, { nullable: true })
  displayName!: string | null;

  @Field(() => WorkspaceRoleGql)
  role!: WorkspaceRoleGql;

  static from(member: MemberView): WorkspaceMemberType {
    return Object.assign(new WorkspaceMemberType(), {
      id: member.userId,
      email: member.email,
      displayName: member.displayName,
      role: member.role as WorkspaceRoleGql,
    });
  }
}

@InputType()
export class CreateWorkspaceInput {
  @Field(() => String)
  name!: string;
}

@InputType()
export class RenameWorkspaceInput {
  @Field(() => String)
  name!: string;
}

@InputType()
export class ChangeMemberRoleInput {
  @Field(() => ID)
  userId!: string;

  @Field(() => WorkspaceRoleGql)
  role!: WorkspaceRoleGql;
}

@InputType()
export class RemoveMemberInput {
  @Field(() => ID)
  userId!: string;
}
