import { Schema, type Connection, type Model } from 'mongoose';
import { createEvent, type DataSubjectAnsweringService, type DataSubjectRequestAnswer, type EventName } from '@leadgraph/events';
import { addOutboxIndex, outboxEntry, outboxSchemaFields, type WithOutbox } from '../bus/outbox';
import type { Clock } from '../clock/clock';

/** The event each answering service publishes for PRV-05. */
export const dataSubjectAnswerEventName = {
  accounts: 'DataSubjectRequestAnsweredByAccounts',
  billing: 'DataSubjectRequestAnsweredByBilling',
  contacts: 'DataSubjectRequestAnsweredByContacts',
  analytics: 'DataSubjectRequestAnsweredByAnalytics',
} as const satisfies Record<DataSubjectAnsweringService, EventName>;

/**
 * A service's record of having answered one data-subject request (PRV-05), carrying the answer
 * event in its outbox. One document per request: a redelivered request is answered once.
 * The sealed export is not kept here once published: only what was done.
 */
export interface DataSubjectAnswerDocument extends WithOutbox {
  _id: string;
  right: DataSubjectRequestAnswer['right'];
  outcome: DataSubjectRequestAnswer['outcome'];
  actions: DataSubjectRequestAnswer['actions'];
  retained: DataSubjectRequestAnswer['retained'];
  answeredAt: Date;
}

const answerSchema = new Schema<DataSubjectAnswerDocument>(
  {
    _id: { type: String, required: true },
    right: { type: String, required: true },
    outcome: { type: String, required: true },
    actions: { type: Schema.Types.Mixed, required: true },
    retained: { type: Schema.Types.Mixed, required: true },
    answeredAt: { type: Date, required: true },
    ...outboxSchemaFields,
  },
  { collection: 'data_subject_answers', versionKey: false },
);
addOutboxIndex(answerSchema);

export type DataSubjectAnswerModel = Model<DataSubjectAnswerDocument>;

export function dataSubjectAnswerModel(connection: Connection): DataSubjectAnswerModel {
  return (connection.models.DataSubjectAnswer as DataSubjectAnswerModel | undefined) ?? connection.model<DataSubjectAnswerDocument>('DataSubjectAnswer', answerSchema);
}

/** Sealed exports above this are sent in slices, well under NATS's default 1 MB message limit. */
export const DATA_SUBJECT_EXPORT_CHUNK_CHARS = 256 * 1024;

export function exportSlices(sealedExport: string | null, chunkChars = DATA_SUBJECT_EXPORT_CHUNK_CHARS): Array<string | null> {
  if (sealedExport === null || sealedExport.length <= chunkChars) return [sealedExport];
  const slices: string[] = [];
  for (let start = 0; start < sealedExport.length; start += chunkChars) slices.push(sealedExport.slice(start, start + chunkChars));
  return slices;
}

/**
 * Stores the answer with its event(s) in one insert. Returns false when this request was already
 * answered (a redelivery): nothing is published twice.
 */
export async function recordDataSubjectAnswer(
  model: DataSubjectAnswerModel,
  service: DataSubjectAnsweringService,
  answer: Omit<DataSubjectRequestAnswer, 'service' | 'answeredAt' | 'exportChunk'>,
  clock: Clock,
  chunkChars = DATA_SUBJECT_EXPORT_CHUNK_CHARS,
): Promise<boolean> {
  const answeredAt = clock.now();
  const slices = exportSlices(answer.sealedExport, chunkChars);
  const events = slices.map((slice, index) =>
    createEvent(
      dataSubjectAnswerEventName[service],
      {
        ...answer,
        service,
        sealedExport: slice,
        ...(slices.length > 1 ? { exportChunk: { index, count: slices.length } } : {}),
        answeredAt: answeredAt.toISOString(),
      },
      {
        subject: `data-subject-request/${answer.requestId}`,
        time: answeredAt,
        id: slices.length > 1 ? `dsr-answer-${service}-${answer.requestId}-${index}` : `dsr-answer-${service}-${answer.requestId}`,
      },
    ),
  );
  const result = await model.updateOne(
    { _id: answer.requestId },
    {
      $setOnInsert: {
        right: answer.right,
        outcome: answer.outcome,
        actions: answer.actions,
        retained: answer.retained,
        answeredAt,
        outbox: events.map(outboxEntry),
      },
    },
    { upsert: true },
  );
  return result.upsertedCount === 1;
}
