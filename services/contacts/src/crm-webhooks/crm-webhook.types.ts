import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfoType } from '@leadgraph/platform';
import type { CrmDeliveryAttemptDocument, CrmDeliveryDocument } from './crm-webhook.model';
import { secretHint } from './crm-webhook.rules';
import type { CrmWebhookView } from './crm-webhook.service';

export enum CrmDeliveryStatusGql {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  FAILED = 'FAILED',
}
registerEnumType(CrmDeliveryStatusGql, { name: 'CrmDeliveryStatus' });

export enum CrmDeliveryTriggerGql {
  PUSH = 'PUSH',
  RETRY = 'RETRY',
  REPLAY = 'REPLAY',
}
registerEnumType(CrmDeliveryTriggerGql, { name: 'CrmDeliveryTrigger' });

@ObjectType('CrmWebhook', { description: "The workspace's CRM webhook (CON-06); deliveries carry `Leadgraph-Signature: t=<unix>,v1=<HMAC-SHA256 hex of '<t>.<body>'>`" })
export class CrmWebhookType {
  @Field(() => String)
  url!: string;

  @Field(() => String, { nullable: true, description: 'The signing secret: only in the answer that generated it (first configuration, rotation); store it now' })
  secret!: string | null;

  @Field(() => String, { description: 'Last characters of the current secret' })
  secretHint!: string;

  @Field(() => Date)
  secretRotatedAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;

  static from(view: CrmWebhookView): CrmWebhookType {
    return Object.assign(new CrmWebhookType(), {
      url: view.webhook.url,
      secret: view.revealedSecret,
      secretHint: secretHint(view.webhook.secret),
      secretRotatedAt: view.webhook.secretRotatedAt,
      updatedAt: view.webhook.updatedAt,
    });
  }
}

@ObjectType('CrmDeliveryAttempt', { description: 'One HTTP attempt of a CRM delivery' })
export class CrmDeliveryAttemptType {
  @Field(() => ID)
  id!: string;

  @Field(() => CrmDeliveryTriggerGql)
  trigger!: CrmDeliveryTriggerGql;

  @Field(() => String)
  url!: string;

  @Field(() => Date)
  at!: Date;

  @Field(() => Int, { nullable: true })
  statusCode!: number | null;

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field(() => Boolean)
  ok!: boolean;

  static from(attempt: CrmDeliveryAttemptDocument): CrmDeliveryAttemptType {
    return Object.assign(new CrmDeliveryAttemptType(), {
      id: attempt._id,
      trigger: attempt.trigger as CrmDeliveryTriggerGql,
      url: attempt.url,
      at: attempt.at,
      statusCode: attempt.statusCode,
      error: attempt.error,
      ok: attempt.ok,
    });
  }
}

@ObjectType('CrmDelivery', { description: 'A push of contacts to the CRM webhook (one export credit per contact, CON-06), with its attempts' })
export class CrmDeliveryType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'contacts.exported (a paid push) or contact.opted_out (a free notice)' })
  event!: string;

  @Field(() => ID, { nullable: true })
  exportId!: string | null;

  @Field(() => CrmDeliveryStatusGql)
  status!: CrmDeliveryStatusGql;

  @Field(() => Int)
  contactCount!: number;

  @Field(() => Int)
  creditsCharged!: number;

  @Field(() => Int)
  attemptCount!: number;

  @Field(() => Date, { nullable: true, description: 'When the retry job tries again (PENDING only)' })
  nextAttemptAt!: Date | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  deliveredAt!: Date | null;

  @Field(() => [CrmDeliveryAttemptType])
  attempts!: CrmDeliveryAttemptType[];

  static from(delivery: CrmDeliveryDocument, attempts: CrmDeliveryAttemptDocument[]): CrmDeliveryType {
    return Object.assign(new CrmDeliveryType(), {
      id: delivery._id,
      event: delivery.event,
      exportId: delivery.exportId,
      status: delivery.status as CrmDeliveryStatusGql,
      contactCount: delivery.contactCount,
      creditsCharged: delivery.creditsCharged,
      attemptCount: delivery.attempts,
      nextAttemptAt: delivery.status === 'PENDING' ? delivery.nextAttemptAt : null,
      createdAt: delivery.createdAt,
      deliveredAt: delivery.deliveredAt,
      attempts: attempts.map(CrmDeliveryAttemptType.from),
    });
  }
}

@ObjectType('CrmDeliveryConnection')
export class CrmDeliveryConnectionType {
  @Field(() => [CrmDeliveryType])
  entries!: CrmDeliveryType[];

  @Field(() => PageInfoType)
  pageInfo!: PageInfoType;
}

@InputType('PushContactsToCrmInput', { description: 'Either contactIds or listId; one export credit per contact (CON-06)' })
export class PushContactsToCrmInput {
  @Field(() => [ID], { nullable: true })
  contactIds?: string[] | null;

  @Field(() => ID, { nullable: true })
  listId?: string | null;

  @Field(() => String, { description: 'A retry with the same key is the same push, charged once' })
  idempotencyKey!: string;
}
