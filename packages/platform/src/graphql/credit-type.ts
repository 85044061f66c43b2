import { registerEnumType } from 'type-graphql';
import type { z } from 'zod';
import type { creditTypeSchema } from '@leadgraph/events';

/**
 * The four credit types (BIL-01) as one GraphQL enum for every subgraph that shows them
 * (billing balances, analytics usage...): composition needs identical values everywhere.
 */
export enum CreditTypeGql {
  PRO_EMAIL = 'PRO_EMAIL',
  PHONE = 'PHONE',
  DIRECT_EMAIL = 'DIRECT_EMAIL',
  EXPORT = 'EXPORT',
}
registerEnumType(CreditTypeGql, {
  name: 'CreditType',
  description: 'B2B (professional) e-mail, phone, direct (personal) e-mail, export (BIL-01)',
});

// Compile-time guard: the GraphQL enum and the event contract list the same credit types.
type EventCreditType = z.infer<typeof creditTypeSchema>;
const sameCreditTypes: [EventCreditType, `${CreditTypeGql}`] extends [`${CreditTypeGql}`, EventCreditType] ? true : never = true;
void sameCreditTypes;

export const creditTypes: readonly EventCreditType[] = Object.values(CreditTypeGql);
