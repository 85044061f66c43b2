import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import type { WorkspaceDocument } from './workspace.model';

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
