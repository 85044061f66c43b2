import { Field, Int, ObjectType } from 'type-graphql';
import { PageInfoType } from '@leadgraph/platform';
import type { PageCountDocument } from '../collection/collection.model';
import type { FunnelCohort } from './reports.rules';
import type { DayTotals, Page } from './reports.service';

@ObjectType('AnalyticsCreditCounts', { description: 'Per credit type' })
export class CreditCountsType {
  @Field(() => Int) proEmail!: number;
  @Field(() => Int) phone!: number;
  @Field(() => Int) directEmail!: number;
  @Field(() => Int) export!: number;
}

@ObjectType('AnalyticsDay', { description: 'Server-side usage counts of one calendar day in the report time zone (ANA-02)' })
export class AnalyticsDayType {
  @Field(() => String, { description: 'YYYY-MM-DD' }) day!: string;
  @Field(() => Int, { description: 'Accounts created (platform totals only)' }) signUps!: number;
  @Field(() => Int) searches!: number;
  @Field(() => CreditCountsType, { description: 'Fields revealed per type (export is always 0)' }) reveals!: CreditCountsType;
  @Field(() => Int) creditsSpent!: number;
  @Field(() => Int) exports!: number;
  @Field(() => Int) contactsExported!: number;
  @Field(() => CreditCountsType) creditsGranted!: CreditCountsType;
  @Field(() => Int) subscriptionsStarted!: number;

  static from({ day, totals }: DayTotals): AnalyticsDayType {
    const counts = (values: Omit<CreditCountsType, never>) => Object.assign(new CreditCountsType(), values);
    return Object.assign(new AnalyticsDayType(), {
      day,
      signUps: totals.SIGN_UPS,
      searches: totals.SEARCHES,
      reveals: counts({ proEmail: totals.REVEALS_PRO_EMAIL, phone: totals.REVEALS_PHONE, directEmail: totals.REVEALS_DIRECT_EMAIL, export: 0 }),
      creditsSpent: totals.CREDITS_SPENT,
      exports: totals.EXPORTS,
      contactsExported: totals.CONTACTS_EXPORTED,
      creditsGranted: counts({
        proEmail: totals.CREDITS_GRANTED_PRO_EMAIL,
        phone: totals.CREDITS_GRANTED_PHONE,
        directEmail: totals.CREDITS_GRANTED_DIRECT_EMAIL,
        export: totals.CREDITS_GRANTED_EXPORT,
      }),
      subscriptionsStarted: totals.SUBSCRIPTIONS_STARTED,
    });
  }
}

@ObjectType('AnalyticsDayPage', { description: 'Days of a report, oldest first, every day of the page listed (quiet days are zeros)' })
export class AnalyticsDayPageType {
  @Field(() => String, { description: 'IANA time zone the days are counted in' }) timeZone!: string;
  @Field(() => [AnalyticsDayType]) nodes!: AnalyticsDayType[];
  @Field(() => PageInfoType) pageInfo!: PageInfoType;

  static from(page: Page<DayTotals>): AnalyticsDayPageType {
    return Object.assign(new AnalyticsDayPageType(), { timeZone: page.timeZone, nodes: page.nodes.map(AnalyticsDayType.from), pageInfo: PageInfoType.of(page.hasNextPage, page.endCursor) });
  }
}

@ObjectType('SignUpCohort', { description: 'Users who signed up on one day, and how many went on to each step, in order' })
export class SignUpCohortType {
  @Field(() => String) cohortDay!: string;
  @Field(() => Int) signedUp!: number;
  @Field(() => Int, { description: 'Signed up, then searched' }) searched!: number;
  @Field(() => Int, { description: 'Signed up, searched, then revealed' }) revealed!: number;
  @Field(() => Int, { description: 'All of the above, then started a subscription' }) subscribed!: number;
}

@ObjectType('SignUpFunnelPage')
export class SignUpFunnelPageType {
  @Field(() => String) timeZone!: string;
  @Field(() => [SignUpCohortType]) nodes!: SignUpCohortType[];
  @Field(() => PageInfoType) pageInfo!: PageInfoType;

  static from(page: Page<FunnelCohort>): SignUpFunnelPageType {
    return Object.assign(new SignUpFunnelPageType(), {
      timeZone: page.timeZone,
      nodes: page.nodes.map((cohort) => Object.assign(new SignUpCohortType(), cohort)),
      pageInfo: PageInfoType.of(page.hasNextPage, page.endCursor),
    });
  }
}

@ObjectType('PageTraffic', { description: 'Anonymous count of one event type and name on one page and day (ANA-01)' })
export class PageTrafficType {
  @Field(() => String) day!: string;
  @Field(() => String, { description: 'PAGE_VIEW or ACTION' }) type!: string;
  @Field(() => String) page!: string;
  @Field(() => String) name!: string;
  @Field(() => Int) count!: number;
}

@ObjectType('PageTrafficPage')
export class PageTrafficPageType {
  @Field(() => String, { description: 'IANA time zone the days are counted in (the service setting)' }) timeZone!: string;
  @Field(() => [PageTrafficType], { description: 'By day, then type, page and name' }) nodes!: PageTrafficType[];
  @Field(() => PageInfoType) pageInfo!: PageInfoType;

  static from(page: Page<PageCountDocument>): PageTrafficPageType {
    return Object.assign(new PageTrafficPageType(), {
      timeZone: page.timeZone,
      nodes: page.nodes.map((count) => Object.assign(new PageTrafficType(), { day: count.day, type: count.type, page: count.page, name: count.name, count: count.count })),
      pageInfo: PageInfoType.of(page.hasNextPage, page.endCursor),
    });
  }
}
