import { randomUUID } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { createEvent, type EventName, type RetentionRunReport, type ServiceName } from '@leadgraph/events';
import { addOutboxIndex, outboxEntry, outboxSchemaFields, type WithOutbox } from '../bus/outbox';

/** The event each service publishes to report a retention pass to the privacy service (PRV-07). */
export const retentionReportEventName = {
  accounts: 'RetentionRunReportedByAccounts',
  billing: 'RetentionRunReportedByBilling',
  contacts: 'RetentionRunReportedByContacts',
  analytics: 'RetentionRunReportedByAnalytics',
} as const satisfies Partial<Record<ServiceName, EventName>>;

export type RetentionReportingService = keyof typeof retentionReportEventName;

/** A service's own copy of one retention pass over one category, with the report event in its outbox. */
export interface RetentionRunReportDocument extends WithOutbox {
  _id: string;
  dataCategory: string;
  dryRun: boolean;
  cutoff: Date;
  due: number;
  deleted: number;
  ranAt: Date;
  finishedAt: Date;
}

const reportSchema = new Schema<RetentionRunReportDocument>(
  {
    _id: { type: String, required: true },
    dataCategory: { type: String, required: true },
    dryRun: { type: Boolean, required: true },
    cutoff: { type: Date, required: true },
    due: { type: Number, required: true },
    deleted: { type: Number, required: true },
    ranAt: { type: Date, required: true },
    finishedAt: { type: Date, required: true },
    ...outboxSchemaFields,
  },
  { collection: 'retention_run_reports', versionKey: false },
);
reportSchema.index({ ranAt: -1 });
addOutboxIndex(reportSchema);

export type RetentionRunReportModel = Model<RetentionRunReportDocument>;

export function retentionRunReportModel(connection: Connection): RetentionRunReportModel {
  return (connection.models.RetentionRunReport as RetentionRunReportModel | undefined) ?? connection.model<RetentionRunReportDocument>('RetentionRunReport', reportSchema);
}

export type RetentionPass = Omit<RetentionRunReportDocument, '_id' | 'outbox'>;

/** Keeps the pass locally and reports it to privacy (the event rides in the same insert). */
export async function recordRetentionRun(model: RetentionRunReportModel, service: RetentionReportingService, pass: RetentionPass): Promise<RetentionRunReport> {
  const runId = randomUUID();
  const report: RetentionRunReport = {
    runId,
    service,
    dataCategory: pass.dataCategory,
    dryRun: pass.dryRun,
    cutoff: pass.cutoff.toISOString(),
    due: pass.due,
    deleted: pass.deleted,
    ranAt: pass.ranAt.toISOString(),
    finishedAt: pass.finishedAt.toISOString(),
  };
  const event = createEvent(retentionReportEventName[service], report, { subject: `retention/${pass.dataCategory}`, time: pass.finishedAt, id: `retention-${runId}` });
  await model.create({ _id: runId, ...pass, outbox: [outboxEntry(event)] });
  return report;
}
