import { z } from 'zod';
import { seedReferenceData } from '@leadgraph/platform';
import shippedSchedule from './retention-schedule.json';
import { retentionRuleRecordSchema, type RetentionRuleDocument, type RetentionRuleModel } from './retention-schedule.model';

export class RetentionScheduleService {
  constructor(private readonly rules: RetentionRuleModel) {}

  /** Idempotent start-up seeding of the shipped schedule (newer revisions replace older rows). */
  async seed(): Promise<void> {
    await seedReferenceData(this.rules, z.array(retentionRuleRecordSchema).parse(shippedSchedule));
  }

  async list(): Promise<RetentionRuleDocument[]> {
    return this.rules.find().sort({ sortOrder: 1, _id: 1 }).lean<RetentionRuleDocument[]>();
  }
}
