import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { DomainError, ErrorCode, badInput, rateLimited, type RequestContext } from '@leadgraph/platform';
import type { DataSubjectRequestService, RequestFieldError, RequestFormErrors, RequestListView } from './data-subject-request.service';
import { requestErrorMessages } from './data-subject-request.service';
import type { DenialReason } from './data-subject-request.rules';
import { DataSubjectRequestConnectionType, DataSubjectRequestType, DenialReasonGql, OpenDataSubjectRequestInput, RequestListViewGql } from './data-subject-request.types';

const graphFieldOf: Record<keyof RequestFormErrors, string> = {
  email: 'input.email',
  phone: 'input.phone',
  country: 'input.country',
  profileUrl: 'input.profileUrl',
  right: 'input.right',
  corrections: 'input.corrections',
  directive: 'input.directive',
  visitorId: 'input.visitorId',
};

function invalid(errors: RequestFormErrors): DomainError {
  const [field, error] = Object.entries(errors)[0] as [keyof RequestFormErrors, RequestFieldError];
  return badInput(graphFieldOf[field], `${graphFieldOf[field]}: ${requestErrorMessages[error]}`);
}

/**
 * Data-subject requests in the graph (PRV-02..05): signed-in users file and verify their own;
 * privacy officers list, extend and deny. The public page serves people without an account.
 */
@Resolver(() => DataSubjectRequestType)
export class DataSubjectRequestResolver {
  constructor(private readonly requests: DataSubjectRequestService) {}

  private view(request: Parameters<typeof DataSubjectRequestType.from>[0]): DataSubjectRequestType {
    return DataSubjectRequestType.from(request, this.requests.dueStateOf(request));
  }

  @Mutation(() => DataSubjectRequestType, { description: 'Files a request; a one-time code is mailed to `email` and nothing happens until it is verified (PRV-03)' })
  async openDataSubjectRequest(@Ctx() context: RequestContext, @Arg('input', () => OpenDataSubjectRequestInput) input: OpenDataSubjectRequestInput): Promise<DataSubjectRequestType> {
    const { caller } = context;
    if (caller.kind !== 'user') throw new DomainError(ErrorCode.UNAUTHENTICATED, 'Sign in to file a request here, or use the public privacy-request page');
    const result = await this.requests.open(
      {
        right: input.right,
        email: input.email,
        phone: input.phone ?? '',
        country: input.country ?? '',
        profileUrl: input.profileUrl ?? '',
        corrections: (input.corrections ?? []).map((correction) => ({ field: correction.field, value: correction.value })),
        directive: input.directive ?? '',
        visitorId: input.visitorId ?? '',
      },
      { channel: 'GRAPH', userId: caller.userId, ip: `user:${caller.userId}` },
      input.language === 'fr' ? 'fr' : 'en',
    );
    if (result.kind === 'INVALID') throw invalid(result.errors);
    if (result.kind === 'RATE_LIMITED') throw rateLimited(result.retryAfterSeconds);
    return this.view(await this.requests.get(caller, result.requestId));
  }

  @Mutation(() => DataSubjectRequestType, { description: 'Confirms the one-time code: the request is then carried out by every service (PRV-03, PRV-05)' })
  async verifyDataSubjectRequest(
    @Ctx() context: RequestContext,
    @Arg('requestId', () => ID) requestId: string,
    @Arg('code', () => String) code: string,
  ): Promise<DataSubjectRequestType> {
    const { caller } = context;
    if (caller.kind !== 'user') throw new DomainError(ErrorCode.UNAUTHENTICATED, 'Sign in to verify your request');
    const result = await this.requests.verify(requestId, code, { ip: `user:${caller.userId}`, userId: caller.userId });
    if (result.kind === 'RATE_LIMITED') throw rateLimited(result.retryAfterSeconds);
    if (result.kind === 'INVALID') {
      const field = result.error === 'REQUEST_UNKNOWN' ? 'requestId' : 'code';
      const left = result.error === 'CODE_INVALID' && result.attemptsLeft !== null ? ` (${result.attemptsLeft} attempt(s) left)` : '';
      throw badInput(field, `${field}: ${requestErrorMessages[result.error]}${left}`);
    }
    return this.view(result.request);
  }

  @Mutation(() => DataSubjectRequestType, { description: 'Withdraws your request before it is carried out' })
  async revokeDataSubjectRequest(@Ctx() context: RequestContext, @Arg('requestId', () => ID) requestId: string): Promise<DataSubjectRequestType> {
    return this.view(await this.requests.revoke(context.caller, requestId));
  }

  @Query(() => [DataSubjectRequestType], { description: 'Your own data-subject requests, newest first' })
  async myDataSubjectRequests(@Ctx() context: RequestContext): Promise<DataSubjectRequestType[]> {
    return (await this.requests.mine(context.caller)).map((request) => this.view(request));
  }

  @Query(() => DataSubjectRequestType, { description: 'One request: its requester or a privacy officer' })
  async dataSubjectRequest(@Ctx() context: RequestContext, @Arg('id', () => ID) id: string): Promise<DataSubjectRequestType> {
    return this.view(await this.requests.get(context.caller, id));
  }

  @Query(() => DataSubjectRequestConnectionType, { description: 'Privacy officers: open, due-soon or overdue requests, soonest due first (PRV-04)' })
  async dataSubjectRequests(
    @Ctx() context: RequestContext,
    @Arg('view', () => RequestListViewGql, { defaultValue: 'OPEN' }) view: RequestListView,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<DataSubjectRequestConnectionType> {
    return DataSubjectRequestConnectionType.from(await this.requests.list(context.caller, { view, first, after }), (request) => this.requests.dueStateOf(request));
  }

  @Mutation(() => DataSubjectRequestType, { description: 'Privacy officers: extend the deadline by 1-2 months in total, before the first due date; the reason is mailed to the requester (PRV-04)' })
  async extendDataSubjectRequest(
    @Ctx() context: RequestContext,
    @Arg('requestId', () => ID) requestId: string,
    @Arg('months', () => Int) months: number,
    @Arg('reason', () => String) reason: string,
  ): Promise<DataSubjectRequestType> {
    return this.view(await this.requests.extend(context.caller, { requestId, months, reason }));
  }

  @Mutation(() => DataSubjectRequestType, { description: 'Privacy officers: decline a request, with a reason code and an explanation mailed to the requester' })
  async denyDataSubjectRequest(
    @Ctx() context: RequestContext,
    @Arg('requestId', () => ID) requestId: string,
    @Arg('reason', () => DenialReasonGql) reason: DenialReason,
    @Arg('note', () => String) note: string,
  ): Promise<DataSubjectRequestType> {
    return this.view(await this.requests.deny(context.caller, { requestId, reason, note }));
  }

  @Mutation(() => DataSubjectRequestType, { description: 'Privacy officers: lift the restriction a completed RESTRICTION request obtained; the requester is told first (GDPR art. 18(3))' })
  async liftDataSubjectRestriction(
    @Ctx() context: RequestContext,
    @Arg('requestId', () => ID) requestId: string,
    @Arg('reason', () => String) reason: string,
  ): Promise<DataSubjectRequestType> {
    return this.view(await this.requests.liftRestriction(context.caller, { requestId, reason }));
  }
}
