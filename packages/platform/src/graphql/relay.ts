import { Directive, Field, ObjectType } from 'type-graphql';

/** Relay page info, identical in every subgraph that paginates, hence `@shareable`. */
@Directive('@shareable')
@ObjectType('PageInfo')
export class PageInfoType {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;

  static of(hasNextPage: boolean, endCursor: string | null): PageInfoType {
    return Object.assign(new PageInfoType(), { hasNextPage, endCursor });
  }
}
