import { Schema, type Connection, type Model } from 'mongoose';
import { addOutboxIndex, outboxSchemaFields, type WithOutbox } from '@leadgraph/platform';

export const exportFormats = ['CSV', 'JSON'] as const;
export type ExportFormat = (typeof exportFormats)[number];

/** One paid export (CON-06); `_id` derives from the scope and the client's idempotency key. */
export interface ExportDocument extends WithOutbox {
  _id: string;
  scope: string;
  workspaceId: string | null;
  userId: string;
  format: ExportFormat;
  contactIds: string[];
  creditsCharged: number;
  spendKey: string;
  createdAt: Date;
}

const exportSchema = new Schema<ExportDocument>(
  {
    _id: { type: String, required: true },
    scope: { type: String, required: true },
    workspaceId: { type: String, default: null },
    userId: { type: String, required: true },
    format: { type: String, enum: exportFormats, required: true },
    contactIds: { type: [String], default: [] },
    creditsCharged: { type: Number, required: true },
    spendKey: { type: String, required: true },
    createdAt: { type: Date, required: true },
    ...outboxSchemaFields,
  },
  { collection: 'exports', versionKey: false },
);
exportSchema.index({ scope: 1 });
addOutboxIndex(exportSchema);

export type ExportModel = Model<ExportDocument>;

export function exportModel(connection: Connection): ExportModel {
  return (connection.models.Export as ExportModel | undefined) ?? connection.model<ExportDocument>('Export', exportSchema);
}
