import { Arg, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { requireStaffRole, type RequestContext } from '@leadgraph/platform';
import { UserType } from '../users/user.types';
import type { StaffService } from './staff.service';
import { StaffAuditLogPageType, StaffRoleInput } from './staff.types';

@Resolver()
export class StaffResolver {
  constructor(private readonly staff: StaffService) {}

  @Mutation(() => UserType, { description: 'Super admins only; recorded in the staff audit log' })
  async grantStaffRole(@Arg('input', () => StaffRoleInput) input: StaffRoleInput, @Ctx() context: RequestContext): Promise<UserType> {
    const actor = requireStaffRole(context.caller, 'SUPER_ADMIN');
    return UserType.from(await this.staff.changeRole(actor, 'GRANT', { ...input }));
  }

  @Mutation(() => UserType, { description: 'Super admins only; recorded in the staff audit log' })
  async revokeStaffRole(@Arg('input', () => StaffRoleInput) input: StaffRoleInput, @Ctx() context: RequestContext): Promise<UserType> {
    const actor = requireStaffRole(context.caller, 'SUPER_ADMIN');
    return UserType.from(await this.staff.changeRole(actor, 'REVOKE', { ...input }));
  }

  @Query(() => StaffAuditLogPageType, { description: 'Every staff role grant and revocation, newest first (super admins)' })
  async staffAuditLog(
    @Ctx() context: RequestContext,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<StaffAuditLogPageType> {
    requireStaffRole(context.caller, 'SUPER_ADMIN');
    return StaffAuditLogPageType.from(await this.staff.auditLog(first, after));
  }
}
