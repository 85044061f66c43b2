import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfoType } from '@leadgraph/platform';
import { activityActions, activityTargetTypes, type ActivityEntryDocument } from './activity.model';
import type { ActivityPage } from './activity.service';

export const ActivityActionGql = Object.fromEntries(activityActions.map((action) => [action, action])) as {
  [A in (typeof activityActions)[number]]: A;
};
registerEnumType(ActivityActionGql, { name: 'WorkspaceActivityAction' });

export const ActivityTargetTypeGql = Object.fromEntries(activityTargetTypes.map((type) => [type, type])) as {
  [T in (typeof activityTargetTypes)[number]]: T;
};
registerEnumType(ActivityTargetTypeGql, { name: 'WorkspaceActivityTargetType' });

@ObjectType('WorkspaceActivityDetail')
export class ActivityDetailType {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  value!: string;
}

@ObjectType('WorkspaceActivityEntry', { description: 'Who did what, when, in the workspace (ACC-05)' })
export class ActivityEntryType {
  @Field(() => ID)
  id!: string;

  @Field(() => ActivityActionGql)
  action!: ActivityEntryDocument['action'];

  @Field(() => ID, { nullable: true, description: 'Null for system actions (subscription changes)' })
  actorUserId!: string | null;

  @Field(() => ActivityTargetTypeGql)
  targetType!: ActivityEntryDocument['targetType'];

  @Field(() => ID)
  targetId!: string;

  @Field(() => [ActivityDetailType])
  details!: ActivityDetailType[];

  @Field(() => Date)
  at!: Date;

  static from(entry: ActivityEntryDocument): ActivityEntryType {
    return Object.assign(new ActivityEntryType(), {
      id: entry._id,
      action: entry.action,
      actorUserId: entry.actorUserId,
      targetType: entry.targetType,
      targetId: entry.targetId,
      details: Object.entries(entry.details ?? {}).map(([name, value]) => Object.assign(new ActivityDetailType(), { name, value })),
      at: entry.at,
    });
  }
}

@ObjectType('WorkspaceActivityEdge')
export class ActivityEdgeType {
  @Field(() => String)
  cursor!: string;

  @Field(() => ActivityEntryType)
  node!: ActivityEntryType;
}

@ObjectType('WorkspaceActivityConnection')
export class ActivityConnectionType {
  @Field(() => [ActivityEdgeType])
  edges!: ActivityEdgeType[];

  @Field(() => PageInfoType)
  pageInfo!: PageInfoType;

  static from(page: ActivityPage): ActivityConnectionType {
    return Object.assign(new ActivityConnectionType(), {
      edges: page.entries.map(({ entry, cursor }) =>
        Object.assign(new ActivityEdgeType(), { cursor, node: ActivityEntryType.from(entry) }),
      ),
      pageInfo: PageInfoType.of(page.hasNextPage, page.endCursor),
    });
  }
}
