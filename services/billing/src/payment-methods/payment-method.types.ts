import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import type { PaymentMethodDocument } from './payment-method.model';

export enum PaymentMethodKindGql {
  CARD = 'CARD',
  SEPA_DEBIT = 'SEPA_DEBIT',
}
registerEnumType(PaymentMethodKindGql, { name: 'PaymentMethodKind' });

@ObjectType('PaymentMethod', { description: 'A Stripe payment method: only its kind, brand and last 4 digits are known here (BIL-16)' })
export class PaymentMethodType {
  @Field(() => ID)
  id!: string;

  @Field(() => PaymentMethodKindGql)
  kind!: PaymentMethodKindGql;

  @Field(() => String, { nullable: true })
  brand!: string | null;

  @Field(() => String, { nullable: true })
  last4!: string | null;

  @Field(() => Boolean)
  isDefault!: boolean;

  static from(method: PaymentMethodDocument): PaymentMethodType {
    return Object.assign(new PaymentMethodType(), {
      id: method._id,
      kind: method.kind as PaymentMethodKindGql,
      brand: method.brand,
      last4: method.last4,
      isDefault: method.isDefault,
    });
  }
}

@InputType('AttachPaymentMethodInput')
export class AttachPaymentMethodInputType {
  @Field(() => ID, { description: 'Payment method tokenised by Stripe.js (card or SEPA debit)' })
  paymentMethodId!: string;

  @Field(() => Boolean, { defaultValue: true, description: 'Charge it from now on' })
  makeDefault!: boolean;
}
