import { Field, InputType, ObjectType, registerEnumType } from 'type-graphql';
import type { LegalDocumentVersion } from './legal.model';
import type { LegalDecision } from './legal.rules';

export enum LegalDocumentKindGql {
  TERMS = 'TERMS',
  PRIVACY_POLICY = 'PRIVACY_POLICY',
}
registerEnumType(LegalDocumentKindGql, { name: 'LegalDocumentKind' });

export enum LegalDecisionGql {
  ACCEPTED = 'ACCEPTED',
  REFUSED = 'REFUSED',
}
registerEnumType(LegalDecisionGql, { name: 'LegalDecision' });

export enum LegalDecisionMethodGql {
  EXPLICIT = 'EXPLICIT',
  SILENCE = 'SILENCE',
}
registerEnumType(LegalDecisionMethodGql, {
  name: 'LegalDecisionMethod',
  description: 'SILENCE: told before the version took effect and did not object (ACC-09)',
});

@ObjectType('LegalDocument')
export class LegalDocumentType {
  @Field(() => LegalDocumentKindGql)
  kind!: LegalDocumentKindGql;

  @Field(() => String)
  version!: string;

  @Field(() => Date)
  effectiveAt!: Date;

  @Field(() => String)
  summary!: string;

  @Field(() => String, { nullable: true })
  documentUrl!: string | null;

  @Field(() => Date)
  publishedAt!: Date;

  static from(document: LegalDocumentVersion): LegalDocumentType {
    return Object.assign(new LegalDocumentType(), {
      kind: document.kind as LegalDocumentKindGql,
      version: document.version,
      effectiveAt: document.effectiveAt,
      summary: document.summary,
      documentUrl: document.documentUrl,
      publishedAt: document.publishedAt,
    });
  }
}

@ObjectType('LegalAcceptance', { description: "One entry of a user's legal acceptance history" })
export class LegalAcceptanceType {
  @Field(() => LegalDocumentKindGql)
  kind!: LegalDocumentKindGql;

  @Field(() => String)
  version!: string;

  @Field(() => LegalDecisionGql)
  decision!: LegalDecisionGql;

  @Field(() => LegalDecisionMethodGql)
  method!: LegalDecisionMethodGql;

  @Field(() => Date)
  decidedAt!: Date;

  static from(decision: LegalDecision): LegalAcceptanceType {
    return Object.assign(new LegalAcceptanceType(), {
      kind: decision.kind as LegalDocumentKindGql,
      version: decision.version,
      decision: decision.decision as LegalDecisionGql,
      method: decision.method as LegalDecisionMethodGql,
      decidedAt: decision.decidedAt,
    });
  }
}

@InputType('LegalDocumentRef')
export class LegalDocumentRefInput {
  @Field(() => LegalDocumentKindGql)
  kind!: LegalDocumentKindGql;

  @Field(() => String)
  version!: string;
}

@InputType('PublishLegalDocumentInput')
export class PublishLegalDocumentInput {
  @Field(() => LegalDocumentKindGql)
  kind!: LegalDocumentKindGql;

  @Field(() => String)
  version!: string;

  @Field(() => Date, { description: 'At least 15 days ahead (ACC-09)' })
  effectiveAt!: Date;

  @Field(() => String, { description: 'What changes, quoted in the notice mail' })
  summary!: string;

  @Field(() => String, { nullable: true })
  documentUrl?: string | null;
}
