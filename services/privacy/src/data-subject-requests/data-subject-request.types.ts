import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { dataSubjectAnsweringServices, dataSubjectRightSchema, rectificationFieldSchema, type DataSubjectRight } from '@leadgraph/events';
import { PageInfoType } from '@leadgraph/platform';
import type { DataSubjectRequestDocument, DataSubjectRequestHistoryEntry, DataSubjectServiceAnswer } from './data-subject-request.model';
import { dataSubjectRequestStatuses, denialReasons, pendingServices, type DataSubjectRequestStatus, type DenialReason, type DueState } from './data-subject-request.rules';
import type { RequestListView, RequestPage } from './data-subject-request.service';

const enumOf = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((value) => [value, value])) as { [V in T]: V };

export const DataSubjectRightGql = enumOf(dataSubjectRightSchema.options);
registerEnumType(DataSubjectRightGql, { name: 'DataSubjectRight', description: 'PRV-02: the rights a person can exercise' });
export const DataSubjectRequestStatusGql = enumOf(dataSubjectRequestStatuses);
registerEnumType(DataSubjectRequestStatusGql, { name: 'DataSubjectRequestStatus' });
export const DenialReasonGql = enumOf(denialReasons);
registerEnumType(DenialReasonGql, { name: 'DataSubjectRequestDenialReason' });
export const DueStateGql = enumOf(['CLOSED', 'ON_TRACK', 'DUE_SOON', 'OVERDUE'] as const);
registerEnumType(DueStateGql, { name: 'DataSubjectRequestDueState', description: 'PRV-04: where an open request stands against its due date' });
export const RequestListViewGql = enumOf(['OPEN', 'DUE_SOON', 'OVERDUE', 'ALL'] as const);
registerEnumType(RequestListViewGql, { name: 'DataSubjectRequestView' });
export const CorrectionFieldGql = enumOf(rectificationFieldSchema.options);
registerEnumType(CorrectionFieldGql, { name: 'RectificationField' });
export const AnsweringServiceGql = enumOf(dataSubjectAnsweringServices);
registerEnumType(AnsweringServiceGql, { name: 'DataSubjectAnsweringService' });

@InputType('RectificationInput')
export class RectificationInput {
  @Field(() => CorrectionFieldGql)
  field!: keyof typeof CorrectionFieldGql;

  @Field(() => String, { description: 'The corrected value' })
  value!: string;
}

@InputType('OpenDataSubjectRequestInput')
export class OpenDataSubjectRequestInput {
  @Field(() => DataSubjectRightGql)
  right!: DataSubjectRight;

  @Field(() => String, { description: 'E-mail address the one-time code is sent to (PRV-03); the request covers it' })
  email!: string;

  @Field(() => String, { nullable: true, description: 'A phone number to include (E.164, or national with country)' })
  phone?: string | null;

  @Field(() => String, { nullable: true })
  country?: string | null;

  @Field(() => String, { nullable: true, description: 'A LinkedIn profile URL to include' })
  profileUrl?: string | null;

  @Field(() => [RectificationInput], { nullable: true, description: 'RECTIFICATION: the corrections' })
  corrections?: RectificationInput[] | null;

  @Field(() => String, { nullable: true, description: 'POST_MORTEM_DIRECTIVE: the directive' })
  directive?: string | null;

  @Field(() => String, { nullable: true, description: "The consent banner's visitor id in this browser, so analytics events kept under it are covered too" })
  visitorId?: string | null;

  @Field(() => String, { nullable: true, description: 'en (default) or fr, for our mails' })
  language?: string | null;
}

@ObjectType('DataSubjectRequestAction')
export class DataSubjectRequestActionType {
  @Field(() => String)
  dataCategory!: string;

  @Field(() => String)
  action!: string;

  @Field(() => Int)
  count!: number;

  @Field(() => String, { nullable: true })
  note!: string | null;
}

@ObjectType('DataSubjectRetainedData', { description: 'PRV-05: data kept despite the request, restricted, and why' })
export class DataSubjectRetainedDataType {
  @Field(() => String)
  dataCategory!: string;

  @Field(() => String)
  legalBasis!: string;

  @Field(() => Date, { nullable: true })
  keptUntil!: Date | null;
}

@ObjectType('DataSubjectServiceAnswer')
export class DataSubjectServiceAnswerType {
  @Field(() => AnsweringServiceGql)
  service!: string;

  @Field(() => String, { description: 'CARRIED_OUT or NO_DATA_HELD' })
  outcome!: string;

  @Field(() => [DataSubjectRequestActionType])
  actions!: DataSubjectRequestActionType[];

  @Field(() => [DataSubjectRetainedDataType])
  retained!: DataSubjectRetainedDataType[];

  @Field(() => Date)
  answeredAt!: Date;

  static from(answer: DataSubjectServiceAnswer): DataSubjectServiceAnswerType {
    return Object.assign(new DataSubjectServiceAnswerType(), {
      service: answer.service,
      outcome: answer.outcome,
      actions: answer.actions.map((action) => Object.assign(new DataSubjectRequestActionType(), action)),
      retained: answer.retained.map((retained) => Object.assign(new DataSubjectRetainedDataType(), { ...retained, keptUntil: retained.keptUntil ? new Date(retained.keptUntil) : null })),
      answeredAt: answer.answeredAt,
    });
  }
}

@ObjectType('DataSubjectRequestStep')
export class DataSubjectRequestStepType {
  @Field(() => DataSubjectRequestStatusGql)
  status!: DataSubjectRequestStatus;

  @Field(() => Date)
  at!: Date;

  @Field(() => String, { nullable: true })
  note!: string | null;

  static from(entry: DataSubjectRequestHistoryEntry): DataSubjectRequestStepType {
    return Object.assign(new DataSubjectRequestStepType(), { status: entry.status, at: entry.at, note: entry.note });
  }
}

@ObjectType('DataSubjectRequest', { description: 'A data-subject request (PRV-02..05)' })
export class DataSubjectRequestType {
  @Field(() => ID)
  id!: string;

  @Field(() => DataSubjectRightGql)
  right!: DataSubjectRight;

  @Field(() => DataSubjectRequestStatusGql)
  status!: DataSubjectRequestStatus;

  @Field(() => String, { description: 'WEB_PAGE or GRAPH' })
  channel!: string;

  @Field(() => Date)
  receivedAt!: Date;

  @Field(() => Date, { nullable: true })
  verifiedAt!: Date | null;

  @Field(() => Date, { description: 'One calendar month after receipt (PRV-04)' })
  firstDueAt!: Date;

  @Field(() => Date, { description: 'The due date, extended if an extension was notified' })
  dueAt!: Date;

  @Field(() => DueStateGql)
  dueState!: DueState;

  @Field(() => Int)
  extensionMonths!: number;

  @Field(() => String, { nullable: true })
  extensionReason!: string | null;

  @Field(() => [DataSubjectServiceAnswerType])
  answers!: DataSubjectServiceAnswerType[];

  @Field(() => [AnsweringServiceGql], { description: 'Services that have not confirmed yet (PRV-05)' })
  pendingServices!: string[];

  @Field(() => DenialReasonGql, { nullable: true })
  denialReason!: DenialReason | null;

  @Field(() => Date, { nullable: true })
  closedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When a restriction obtained by this request was lifted, after notice' })
  restrictionLiftedAt!: Date | null;

  @Field(() => [DataSubjectRequestStepType])
  history!: DataSubjectRequestStepType[];

  static from(request: DataSubjectRequestDocument, dueState: DueState): DataSubjectRequestType {
    return Object.assign(new DataSubjectRequestType(), {
      id: request._id,
      right: request.right,
      status: request.status,
      channel: request.channel,
      receivedAt: request.receivedAt,
      verifiedAt: request.verifiedAt,
      firstDueAt: request.firstDueAt,
      dueAt: request.dueAt,
      dueState,
      extensionMonths: request.extensionMonths,
      extensionReason: request.extensionReason,
      answers: request.answers.map((answer) => DataSubjectServiceAnswerType.from(answer)),
      pendingServices: request.status === 'IN_PROGRESS' || request.status === 'AWAITING_SERVICES' ? pendingServices(request.answers) : [],
      denialReason: request.denialReason,
      closedAt: request.closedAt,
      restrictionLiftedAt: request.restrictionLiftedAt ?? null,
      history: request.history.map((entry) => DataSubjectRequestStepType.from(entry)),
    });
  }
}

@ObjectType('DataSubjectRequestEdge')
export class DataSubjectRequestEdgeType {
  @Field(() => String)
  cursor!: string;

  @Field(() => DataSubjectRequestType)
  node!: DataSubjectRequestType;
}

@ObjectType('DataSubjectRequestConnection')
export class DataSubjectRequestConnectionType {
  @Field(() => [DataSubjectRequestEdgeType])
  edges!: DataSubjectRequestEdgeType[];

  @Field(() => PageInfoType)
  pageInfo!: PageInfoType;

  static from(page: RequestPage, dueStateOf: (request: DataSubjectRequestDocument) => DueState): DataSubjectRequestConnectionType {
    return Object.assign(new DataSubjectRequestConnectionType(), {
      edges: page.requests.map(({ request, cursor }) => Object.assign(new DataSubjectRequestEdgeType(), { cursor, node: DataSubjectRequestType.from(request, dueStateOf(request)) })),
      pageInfo: PageInfoType.of(page.hasNextPage, page.endCursor),
    });
  }
}

export type { RequestListView };
