import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ExportReceipt } from './export.service';

export enum ExportFormatGql {
  CSV = 'CSV',
  JSON = 'JSON',
}
registerEnumType(ExportFormatGql, { name: 'ExportFormat' });

@InputType('ExportContactsInput', { description: 'Either contactIds or listId; one export credit per contact (CON-06)' })
export class ExportContactsInput {
  @Field(() => [ID], { nullable: true })
  contactIds?: string[] | null;

  @Field(() => ID, { nullable: true })
  listId?: string | null;

  @Field(() => ExportFormatGql)
  format!: ExportFormatGql;

  @Field(() => String, { description: 'A retry with the same key is the same export, charged once' })
  idempotencyKey!: string;
}

@ObjectType('ContactExport')
export class ContactExportType {
  @Field(() => ID)
  id!: string;

  @Field(() => ExportFormatGql)
  format!: ExportFormatGql;

  @Field(() => Int)
  contactCount!: number;

  @Field(() => Int)
  creditsCharged!: number;

  @Field(() => String, { description: 'Signed link streaming the file; expires after 15 minutes (ask again for a new one)' })
  downloadUrl!: string;

  @Field(() => Date)
  downloadUrlExpiresAt!: Date;

  @Field(() => Date)
  createdAt!: Date;

  static from(receipt: ExportReceipt): ContactExportType {
    return Object.assign(new ContactExportType(), {
      id: receipt.export._id,
      format: receipt.export.format as ExportFormatGql,
      contactCount: receipt.export.contactIds.length,
      creditsCharged: receipt.export.creditsCharged,
      downloadUrl: receipt.downloadUrl,
      downloadUrlExpiresAt: receipt.expiresAt,
      createdAt: receipt.export.createdAt,
    });
  }
}
