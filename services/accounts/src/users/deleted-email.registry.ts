import { Schema, type Connection, type Model } from 'mongoose';
import { identifierHash, type IdentifierHashKey } from '@leadgraph/platform';

/** Keyed hashes of deleted accounts' e-mails: such an address can never register again (ACC-02). */
interface DeletedEmailDocument {
  _id: string;
  keyVersion: number;
  deletedAt: Date;
}

const deletedEmailSchema = new Schema<DeletedEmailDocument>(
  { _id: { type: String, required: true }, keyVersion: Number, deletedAt: Date },
  { collection: 'deleted_email_hashes', versionKey: false },
);

export class DeletedEmailRegistry {
  private readonly model: Model<DeletedEmailDocument>;
  constructor(connection: Connection, private readonly key: IdentifierHashKey) {
    this.model =
      (connection.models.DeletedEmail as Model<DeletedEmailDocument> | undefined) ??
      connection.model<DeletedEmailDocument>('DeletedEmail', deletedEmailSchema);
  }

  async remember(email: string, deletedAt: Date): Promise<void> {
    const hash = identifierHash('EMAIL', email, this.key);
    await this.model.updateOne(
      { _id: hash },
      { $setOnInsert: { keyVersion: this.key.version, deletedAt } },
      { upsert: true },
    );
  }

  async isDeleted(email: string): Promise<boolean> {
    return (await this.model.exists({ _id: identifierHash('EMAIL', email, this.key) })) !== null;
  }
}
