import { Schema, type Connection, type Model } from 'mongoose';
import type { DataSubjectAnsweringService, DataSubjectRequestAnswer, DataSubjectRight } from '@leadgraph/events';
import { addOutboxIndex, outboxSchemaFields, type WithOutbox } from '@leadgraph/platform';
import type { OptOutIdentifier } from '../opt-out/opt-out.model';
import { dataSubjectRequestStatuses, denialReasons, type DataSubjectRequestStatus, type DenialReason } from './data-subject-request.rules';

export interface DataSubjectRequestHistoryEntry {
  status: DataSubjectRequestStatus;
  at: Date;
  /** Who moved it: the requester, a privacy officer's user id, a service name, or `system`. */
  by: string;
  note: string | null;
}

export interface DataSubjectServiceAnswer {
  service: DataSubjectAnsweringService;
  outcome: DataSubjectRequestAnswer['outcome'];
  actions: DataSubjectRequestAnswer['actions'];
  retained: DataSubjectRequestAnswer['retained'];
  /** Still sealed at rest; opened only to build the export. */
  sealedExport: string | null;
  answeredAt: Date;
}

/**
 * One data-subject request (PRV-02..05). The requester's e-mail is kept in clear only because we
 * must write to them (code, extension notice, answer); identifiers for the fan-out are keyed hashes.
 */
export interface DataSubjectRequestDocument extends WithOutbox {
  _id: string;
  right: DataSubjectRight;
  status: DataSubjectRequestStatus;
  channel: 'WEB_PAGE' | 'GRAPH';
  /** The signed-in requester (GRAPH channel), null for the public page. */
  userId: string | null;
  contactEmail: string;
  language: 'en' | 'fr';
  identifiers: OptOutIdentifier[];
  /** Corrections / directive, sealed for the services (PRV-02). */
  sealedDetails: string | null;
  /** Consent-banner visitor ids of the requester's browser (analytics keys consented events by them). */
  visitorIds: string[];
  codeHash: string;
  codeExpiresAt: Date;
  codeAttempts: number;
  receivedAt: Date;
  verifiedAt: Date | null;
  firstDueAt: Date;
  dueAt: Date;
  extensionMonths: number;
  extensionReason: string | null;
  extensionNotifiedAt: Date | null;
  answers: DataSubjectServiceAnswer[];
  denialReason: DenialReason | null;
  closedAt: Date | null;
  /** A RESTRICTION obtained by this request was lifted (GDPR art. 18(3)), after notice to the requester. */
  restrictionLiftedAt?: Date | null;
  restrictionLiftReason?: string | null;
  history: DataSubjectRequestHistoryEntry[];
}

const historySchema = new Schema<DataSubjectRequestHistoryEntry>(
  {
    status: { type: String, enum: dataSubjectRequestStatuses, required: true },
    at: { type: Date, required: true },
    by: { type: String, required: true },
    note: { type: String, default: null },
  },
  { _id: false },
);

const answerSchema = new Schema<DataSubjectServiceAnswer>(
  {
    service: { type: String, required: true },
    outcome: { type: String, required: true },
    actions: { type: Schema.Types.Mixed, required: true },
    retained: { type: Schema.Types.Mixed, required: true },
    sealedExport: { type: String, default: null },
    answeredAt: { type: Date, required: true },
  },
  { _id: false },
);

const requestSchema = new Schema<DataSubjectRequestDocument>(
  {
    _id: { type: String, required: true },
    right: { type: String, required: true },
    status: { type: String, enum: dataSubjectRequestStatuses, required: true },
    channel: { type: String, enum: ['WEB_PAGE', 'GRAPH'], required: true },
    userId: { type: String, default: null },
    contactEmail: { type: String, required: true },
    language: { type: String, enum: ['en', 'fr'], required: true },
    identifiers: { type: [new Schema({ kind: String, hash: String, keyVersion: Number }, { _id: false })], required: true },
    sealedDetails: { type: String, default: null },
    visitorIds: { type: [String], default: [] },
    codeHash: { type: String, required: true },
    codeExpiresAt: { type: Date, required: true },
    codeAttempts: { type: Number, default: 0 },
    receivedAt: { type: Date, required: true },
    verifiedAt: { type: Date, default: null },
    firstDueAt: { type: Date, required: true },
    dueAt: { type: Date, required: true },
    extensionMonths: { type: Number, default: 0 },
    extensionReason: { type: String, default: null },
    extensionNotifiedAt: { type: Date, default: null },
    answers: { type: [answerSchema], default: [] },
    denialReason: { type: String, enum: [...denialReasons, null], default: null },
    closedAt: { type: Date, default: null },
    restrictionLiftedAt: { type: Date, default: null },
    restrictionLiftReason: { type: String, default: null },
    history: { type: [historySchema], default: [] },
    ...outboxSchemaFields,
  },
  { collection: 'data_subject_requests', versionKey: false },
);
// Officers' lists: open requests by due date; a requester's own requests.
requestSchema.index({ status: 1, dueAt: 1 });
requestSchema.index({ userId: 1, receivedAt: -1 }, { sparse: true });
addOutboxIndex(requestSchema);

export type DataSubjectRequestModel = Model<DataSubjectRequestDocument>;

export function dataSubjectRequestModel(connection: Connection): DataSubjectRequestModel {
  return (connection.models.DataSubjectRequest as DataSubjectRequestModel | undefined) ?? connection.model<DataSubjectRequestDocument>('DataSubjectRequest', requestSchema);
}

/** The single-use, expiring download of an access / portability answer (PRV-02, PRV-03). */
export interface DataSubjectExportDocument {
  _id: string;
  requestId: string;
  /** HMAC of the link's token: the token itself is only in the mail. */
  tokenHash: string;
  expiresAt: Date;
  /** Sealed JSON document; removed once downloaded. */
  sealedDocument: string | null;
  createdAt: Date;
  downloadedAt: Date | null;
}

const exportSchema = new Schema<DataSubjectExportDocument>(
  {
    _id: { type: String, required: true },
    requestId: { type: String, required: true },
    tokenHash: { type: String, required: true, unique: true },
    expiresAt: { type: Date, required: true },
    sealedDocument: { type: String, default: null },
    createdAt: { type: Date, required: true },
    downloadedAt: { type: Date, default: null },
  },
  { collection: 'data_subject_exports', versionKey: false },
);
exportSchema.index({ requestId: 1 });

export type DataSubjectExportModel = Model<DataSubjectExportDocument>;

export function dataSubjectExportModel(connection: Connection): DataSubjectExportModel {
  return (connection.models.DataSubjectExport as DataSubjectExportModel | undefined) ?? connection.model<DataSubjectExportDocument>('DataSubjectExport', exportSchema);
}

/** One slice of a large sealed export, held until every slice of that service's answer arrived. */
export interface DataSubjectAnswerChunkDocument {
  _id: string;
  requestId: string;
  service: DataSubjectAnsweringService;
  index: number;
  count: number;
  slice: string;
  receivedAt: Date;
}

const answerChunkSchema = new Schema<DataSubjectAnswerChunkDocument>(
  {
    _id: { type: String, required: true },
    requestId: { type: String, required: true },
    service: { type: String, required: true },
    index: { type: Number, required: true },
    count: { type: Number, required: true },
    slice: { type: String, required: true },
    receivedAt: { type: Date, required: true },
  },
  { collection: 'data_subject_answer_chunks', versionKey: false },
);
answerChunkSchema.index({ requestId: 1, service: 1, index: 1 });

export type DataSubjectAnswerChunkModel = Model<DataSubjectAnswerChunkDocument>;

export function dataSubjectAnswerChunkModel(connection: Connection): DataSubjectAnswerChunkModel {
  return (
    (connection.models.DataSubjectAnswerChunk as DataSubjectAnswerChunkModel | undefined) ??
    connection.model<DataSubjectAnswerChunkDocument>('DataSubjectAnswerChunk', answerChunkSchema)
  );
}
