import { z } from 'zod';
import { seedReferenceData } from '@leadgraph/platform';
import shippedSubProcessors from './sub-processors.json';
import { subProcessorRecordSchema, type SubProcessorDocument, type SubProcessorModel } from './sub-processor.model';

export class SubProcessorService {
  constructor(private readonly subProcessors: SubProcessorModel) {}

  /** Idempotent start-up seeding of the shipped list (newer revisions replace older rows). */
  async seed(): Promise<void> {
    await seedReferenceData(this.subProcessors, z.array(subProcessorRecordSchema).parse(shippedSubProcessors));
  }

  async list(): Promise<SubProcessorDocument[]> {
    return this.subProcessors.find().sort({ sortOrder: 1, _id: 1 }).lean<SubProcessorDocument[]>();
  }
}
