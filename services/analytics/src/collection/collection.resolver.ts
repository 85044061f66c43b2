import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { forbidden, rateLimited, retryAfterSeconds, type RequestContext } from '@leadgraph/platform';
import { parseVisitorId, type CollectionService } from './collection.service';
import { TrackEventsInput, TrackEventsResultType } from './collection.types';

/**
 * `trackEvents`: the same pipeline as `POST /collect` (ANA-01, ANA-03) through the gateway. A
 * signed-in user is the consent subject (USER); an anonymous caller may give the banner's visitor
 * id. The gateway does not forward `Sec-GPC`, so the client passes it as `globalPrivacyControl`.
 */
@Resolver()
export class CollectionResolver {
  private readonly perSubject: RateLimiterMemory;

  constructor(
    private readonly collection: CollectionService,
    /** The same budget as `POST /collect`, per signed-in user, visitor id or client IP. */
    batchesPerMinute: number,
  ) {
    this.perSubject = new RateLimiterMemory({ keyPrefix: 'track-events', points: batchesPerMinute, duration: 60 });
  }

  @Mutation(() => TrackEventsResultType, { description: 'Front-end analytics events; identified only with analytics consent (ANA-01)' })
  async trackEvents(
    @Ctx() context: RequestContext,
    @Arg('input', () => TrackEventsInput) input: TrackEventsInput,
    @Arg('globalPrivacyControl', () => Boolean, { nullable: true, description: 'The browser sent Sec-GPC: 1' }) globalPrivacyControl: boolean | null,
  ): Promise<TrackEventsResultType> {
    const { caller } = context;
    if (caller.kind === 'apiToken') throw forbidden('Partner tokens do not send front-end analytics');
    const subject =
      caller.kind === 'user'
        ? { subjectType: 'USER' as const, subjectId: caller.userId }
        : (() => {
            const visitorId = parseVisitorId(input.visitorId, 'input.visitorId');
            return visitorId ? { subjectType: 'VISITOR' as const, subjectId: visitorId } : null;
          })();
    try {
      await this.perSubject.consume(subject ? `${subject.subjectType}:${subject.subjectId}` : `ip:${context.clientIp ?? 'unknown'}`);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) throw rateLimited(retryAfterSeconds(rejection.msBeforeNext));
      throw rejection;
    }
    const summary = await this.collection.collect({
      subject,
      events: input.events.map((event) => ({ ...event, properties: event.properties ?? undefined })),
      globalPrivacyControl: globalPrivacyControl ?? false,
      clientIp: context.clientIp,
      userAgent: null,
    });
    return TrackEventsResultType.from(summary);
  }
}
