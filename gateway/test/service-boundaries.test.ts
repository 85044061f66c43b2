import fs from 'node:fs';
import path from 'node:path';
import { serviceNames } from '@leadgraph/events';
import { loadAccountsConfig } from '@leadgraph/accounts/src/config';
import { loadAnalyticsConfig } from '@leadgraph/analytics/src/config';
import { loadBillingConfig } from '@leadgraph/billing/src/config';
import { loadContactsConfig } from '@leadgraph/contacts/src/config';
import { loadPrivacyConfig } from '@leadgraph/privacy/src/config';
import { REPO_ROOT } from '@leadgraph/platform';

function sourceFiles(directory: string): string[] {
  return fs.readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

describe('service boundaries', () => {
  it('[EVT-01] no service imports another service: they share only packages/events and packages/platform', () => {
    const offences: string[] = [];
    for (const service of serviceNames) {
      for (const file of sourceFiles(path.join(REPO_ROOT, 'services', service))) {
        const text = fs.readFileSync(file, 'utf8');
        for (const other of serviceNames.filter((name) => name !== service)) {
          const importsOther = new RegExp(`from ['"](@leadgraph/${other}|[./]+/(services/)?${other}/)`).test(text);
          if (importsOther) offences.push(`${path.relative(REPO_ROOT, file)} -> ${other}`);
        }
      }
    }
    expect(offences).toEqual([]);
  });

  it('[EVT-01] each service opens only its own database, through the platform runtime', () => {
    const configs = [loadAccountsConfig({}), loadBillingConfig({}), loadContactsConfig({}), loadPrivacyConfig({}), loadAnalyticsConfig({})];
    const databases = configs.map((config) => config.MONGO_DB);
    expect(databases).toEqual(serviceNames.map((name) => `leadgraph_${name}`));
    expect(new Set(databases).size).toBe(serviceNames.length);

    const ownConnections: string[] = [];
    for (const service of serviceNames) {
      for (const file of sourceFiles(path.join(REPO_ROOT, 'services', service, 'src'))) {
        if (/createConnection\(|mongoose\.connect\(|new MongoClient\(/.test(fs.readFileSync(file, 'utf8'))) {
          ownConnections.push(path.relative(REPO_ROOT, file));
        }
      }
    }
    expect(ownConnections).toEqual([]);
  });
});
