import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema, sharedScalarsMap, type ReferenceResolvers } from '@leadgraph/platform';
import { PrivacyAuditResolver } from './audit/audit.resolver';
import { ConsentResolver } from './consent/consent.resolver';
import { DataSubjectRequestResolver } from './data-subject-requests/data-subject-request.resolver';
import { RetentionRunResolver } from './retention-runs/retention-run.resolver';
import { RetentionScheduleResolver } from './retention-schedule/retention-schedule.resolver';
import { SubProcessorResolver } from './sub-processors/sub-processor.resolver';

/** Resolver classes of this subgraph; the container supplies their instances at run time. */
export const privacyResolvers = [SubProcessorResolver, RetentionScheduleResolver, ConsentResolver, PrivacyAuditResolver, DataSubjectRequestResolver, RetentionRunResolver] as const;

export function buildPrivacySchema(
  container: { get(someClass: unknown): object },
  referenceResolvers: ReferenceResolvers = {},
): Promise<GraphQLSchema> {
  return buildFederatedSchema({ resolvers: privacyResolvers, container, scalarsMap: sharedScalarsMap }, referenceResolvers);
}
