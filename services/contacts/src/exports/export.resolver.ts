import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '@leadgraph/platform';
import type { ExportService } from './export.service';
import { ContactExportType, ExportContactsInput } from './export.types';

@Resolver()
export class ExportResolver {
  constructor(private readonly exportService: ExportService) {}

  @Mutation(() => ContactExportType, { description: 'Export contacts as CSV or JSON: one export credit per contact (CON-06); partner tokens need contacts:export' })
  async exportContacts(@Arg('input', () => ExportContactsInput) input: ExportContactsInput, @Ctx() context: RequestContext): Promise<ContactExportType> {
    return ContactExportType.from(await this.exportService.create(context.caller, { ...input }));
  }
}
