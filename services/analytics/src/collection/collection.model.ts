import { Schema, type Connection, type Model } from 'mongoose';
import type { ConsentSubjectType } from '../consent/consent.model';
import type { CollectedEventType } from './collection.rules';

/**
 * A raw, identified front-end event (ANA-01): stored only while its subject has analytics consent.
 * Never an e-mail, phone or contact detail (ANA-03: rejected at the door), the IP truncated, the
 * user agent reduced to a browser family. Deleted after 25 months (ANA-04) or on erasure (ANA-05).
 */
export interface RawEventDocument {
  _id: string;
  subjectType: ConsentSubjectType;
  subjectId: string;
  type: CollectedEventType;
  name: string;
  page: string;
  properties: Record<string, string | number | boolean | null>;
  occurredAt: Date;
  receivedAt: Date;
  /** `a.b.c.0/24` or an IPv6 /48 prefix. */
  ipPrefix: string | null;
  userAgentFamily: string | null;
}

const rawEventSchema = new Schema<RawEventDocument>(
  {
    _id: { type: String, required: true },
    subjectType: { type: String, enum: ['VISITOR', 'USER'], required: true },
    subjectId: { type: String, required: true },
    type: { type: String, required: true },
    name: { type: String, required: true },
    page: { type: String, required: true },
    properties: { type: Schema.Types.Mixed, default: {} },
    occurredAt: { type: Date, required: true },
    receivedAt: { type: Date, required: true },
    ipPrefix: { type: String, default: null },
    userAgentFamily: { type: String, default: null },
  },
  { collection: 'raw_events', versionKey: false, minimize: false },
);
// Erasure and access requests find a person's events; retention walks them by age.
rawEventSchema.index({ subjectType: 1, subjectId: 1 });
rawEventSchema.index({ occurredAt: 1 });

export type RawEventModel = Model<RawEventDocument>;

export function rawEventModel(connection: Connection): RawEventModel {
  return (connection.models.RawEvent as RawEventModel | undefined) ?? connection.model<RawEventDocument>('RawEvent', rawEventSchema);
}

/**
 * Anonymous aggregate (ANA-01, ANA-04): how many events of one type and name hit one page on one
 * day, whoever sent them. No subject, no IP: kept when raw events are purged or erased.
 */
export interface PageCountDocument {
  /** `day|type|page|name`. */
  _id: string;
  day: string;
  timeZone: string;
  type: CollectedEventType;
  page: string;
  name: string;
  count: number;
  updatedAt: Date;
}

const pageCountSchema = new Schema<PageCountDocument>(
  {
    _id: { type: String, required: true },
    day: { type: String, required: true },
    timeZone: { type: String, required: true },
    type: { type: String, required: true },
    page: { type: String, required: true },
    name: { type: String, required: true },
    count: { type: Number, default: 0 },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'page_counts_daily', versionKey: false },
);
pageCountSchema.index({ day: 1, page: 1 });

export type PageCountModel = Model<PageCountDocument>;

export function pageCountModel(connection: Connection): PageCountModel {
  return (connection.models.PageCount as PageCountModel | undefined) ?? connection.model<PageCountDocument>('PageCount', pageCountSchema);
}

export function pageCountId(day: string, type: CollectedEventType, page: string, name: string): string {
  return `${day}|${type}|${page}|${name}`;
}
