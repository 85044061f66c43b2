import { z } from 'zod';
import { retentionRunReportModel } from '@leadgraph/platform';
import { serviceTestEnv, testLogger } from '@leadgraph/platform/src/testing';
import { loadBillingConfig } from '../src/config';
import legalInterestRates from '../src/invoices/legal-interest-rates.json';
import { legalInterestRateSchema } from '../src/invoices/invoice.rules';
import { InvoiceService } from '../src/invoices/invoice.service';
import { RetentionService } from '../src/retention/retention.service';
import { CANCEL, expectEvents, startBillingUnderTest, subscribeWorkspace, workspaceAdmin, type BillingUnderTest } from './subscriptions-harness';

describe('retention of accounting records, reported to privacy (PRV-07, BIL-17)', () => {
  let h: BillingUnderTest;
  let older: string;
  let newer: string;

  beforeAll(async () => {
    h = await startBillingUnderTest('2027-06-01T09:00:00.000Z');
    // Two invoices: one of fiscal year 2027 (kept until 2038-01-01), one of 2028 (until 2039-01-01).
    const first = workspaceAdmin();
    older = (await subscribeWorkspace(h, first, { planId: 'starter-monthly', seats: 1 })).charge?.invoice.id ?? '';
    await h.call(first, CANCEL, {});
    await h.moveTo('2028-02-01T09:00:00.000Z');
    const second = workspaceAdmin();
    newer = (await subscribeWorkspace(h, second, { planId: 'starter-monthly', seats: 1 })).charge?.invoice.id ?? '';
    await h.call(second, CANCEL, {});
    expect(older).not.toBe('');
    expect(newer).not.toBe('');
  });
  afterAll(async () => {
    await h.stop();
  });

  const reportEvent = async (runId: string) => {
    const [event] = await expectEvents(h, 'RetentionRunReportedByBilling', (data) => data.runId === runId);
    if (!event) throw new Error('no report');
    return event.data;
  };

  it('[PRV-07] [BIL-17] a dry run before any retention is over finds nothing due and says so', async () => {
    await h.moveTo('2037-12-31T23:59:59.000Z');
    const report = await h.billing.retention.runAccounting({ dryRun: true });
    expect(report).toMatchObject({ service: 'billing', dataCategory: 'ACCOUNTING', dryRun: true, due: 0, deleted: 0, cutoff: '2027-12-31T23:59:59.000Z' });
    expect(await reportEvent(report.runId)).toEqual(report);
    expect(await h.invoices.countDocuments({})).toBe(2);
  });

  it('[PRV-07] [BIL-17] a dry run counts what is due and deletes nothing; the report goes out on NATS', async () => {
    await h.moveTo('2038-01-01T00:00:00.000Z');
    const report = await h.billing.retention.runAccounting({ dryRun: true });
    expect(report).toEqual({
      runId: expect.any(String),
      service: 'billing',
      dataCategory: 'ACCOUNTING',
      dryRun: true,
      cutoff: '2028-01-01T00:00:00.000Z',
      due: 1,
      deleted: 0,
      ranAt: '2038-01-01T00:00:00.000Z',
      finishedAt: '2038-01-01T00:00:00.000Z',
    });
    expect(await reportEvent(report.runId)).toEqual(report);
    expect(await h.invoices.findById(older).lean()).not.toBeNull();
    expect(await h.invoices.countDocuments({})).toBe(2);
    // Billing keeps its own copy of the pass.
    expect(await retentionRunReportModel(h.billing.infra.connection).findById(report.runId).lean()).toMatchObject({ dryRun: true, due: 1, deleted: 0 });
  });

  it('[PRV-07] [BIL-17] a real run deletes exactly the invoices whose 10 years after their fiscal year are over, and reports it', async () => {
    const report = await h.billing.retention.runAccounting({ dryRun: false });
    expect(report).toMatchObject({ dryRun: false, due: 1, deleted: 1, cutoff: '2028-01-01T00:00:00.000Z', ranAt: '2038-01-01T00:00:00.000Z' });
    expect(await reportEvent(report.runId)).toEqual(report);
    expect(await h.invoices.findById(older).lean()).toBeNull();
    expect(await h.invoices.findById(newer).lean()).not.toBeNull();
  });

  it('[PRV-07] [BIL-17] the scheduled lifecycle pass runs the same purge at most once a day and reports every pass, even one that deletes nothing', async () => {
    // A pass already ran at this instant (the tests above): the minute-by-minute lifecycle job skips it.
    const reports = retentionRunReportModel(h.billing.infra.connection);
    const passesBefore = await reports.countDocuments({});
    const before = (await h.billing.lifecycle.runAll()).invoicesPurged;
    expect(before).toBe(0);
    expect(await reports.countDocuments({})).toBe(passesBefore);

    await h.moveTo('2038-01-02T00:00:01.000Z');
    expect((await h.billing.lifecycle.runAll()).invoicesPurged).toBe(0);
    await expectEvents(h, 'RetentionRunReportedByBilling', (data) => data.ranAt === '2038-01-02T00:00:01.000Z' && !data.dryRun && data.deleted === 0);

    await h.moveTo('2039-01-01T00:00:00.000Z');
    expect((await h.billing.lifecycle.runAll()).invoicesPurged).toBe(1);
    const [event] = await expectEvents(h, 'RetentionRunReportedByBilling', (data) => data.ranAt === '2039-01-01T00:00:00.000Z');
    expect(event?.data).toMatchObject({ dryRun: false, due: 1, deleted: 1, cutoff: '2029-01-01T00:00:00.000Z' });
    expect(await h.invoices.countDocuments({})).toBe(0);
  });

  it('[PRV-07] RETENTION_DRY_RUN makes the scheduled pass a dry run; a caller may still ask for either mode', async () => {
    expect(loadBillingConfig(serviceTestEnv('billing', {})).RETENTION_DRY_RUN).toBe(false);
    expect(loadBillingConfig(serviceTestEnv('billing', { RETENTION_DRY_RUN: 'true' })).RETENTION_DRY_RUN).toBe(true);
    expect(() => loadBillingConfig(serviceTestEnv('billing', { RETENTION_DRY_RUN: 'yes' }))).toThrow(/RETENTION_DRY_RUN/);

    const { connection } = h.billing.infra;
    const invoices = new InvoiceService(h.invoices, h.clock, z.array(legalInterestRateSchema).parse(legalInterestRates), { month: 12, day: 31 }, testLogger('billing'));
    const configuredDry = new RetentionService(invoices, retentionRunReportModel(connection), h.clock, testLogger('billing'), true);
    const scheduled = await configuredDry.runAccounting();
    expect(scheduled).toMatchObject({ dryRun: true, deleted: 0 });
    expect(await reportEvent(scheduled.runId)).toEqual(scheduled);
    expect(await configuredDry.runAccounting({ dryRun: false })).toMatchObject({ dryRun: false });
  });
});
