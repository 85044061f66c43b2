import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { requireStaffRole, type RequestContext } from '@leadgraph/platform';
import type { PrivacyAuditTrail } from './audit.service';
import { PrivacyAuditConnectionType } from './audit.types';

/** Internal staff only: the privacy audit trail, newest first (PRV-10). */
@Resolver()
export class PrivacyAuditResolver {
  constructor(private readonly auditTrail: PrivacyAuditTrail) {}

  @Query(() => PrivacyAuditConnectionType, { description: 'Privacy audit trail, newest first (PRV-10); privacy officers only' })
  async privacyAuditTrail(
    @Ctx() context: RequestContext,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<PrivacyAuditConnectionType> {
    requireStaffRole(context.caller, 'PRIVACY_OFFICER');
    return PrivacyAuditConnectionType.from(await this.auditTrail.page(first, after));
  }
}
