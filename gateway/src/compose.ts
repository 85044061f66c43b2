import fs from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { subgraphDefinitions } from './subgraphs';

/** Committed supergraph the gateway serves; `--check` fails when it is stale or composition fails. */
export const SUPERGRAPH_PATH = path.resolve(__dirname, '../supergraph.graphql');

export async function composeSupergraph(): Promise<string> {
  const services = await Promise.all(
    subgraphDefinitions.map(async (definition) => ({
      name: definition.name,
      url: definition.defaultUrl,
      typeDefs: parse(printSubgraphSchema(await definition.buildSchema())),
    })),
  );
  const result = composeServices(services);
  if (result.errors) {
    throw new Error(`supergraph composition failed:\n${result.errors.map((error) => `  - ${error.message}`).join('\n')}`);
  }
  return `${result.supergraphSdl.trim()}\n`;
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const supergraph = await composeSupergraph();
  if (check) {
    const committed = fs.existsSync(SUPERGRAPH_PATH) ? fs.readFileSync(SUPERGRAPH_PATH, 'utf8') : '';
    if (committed !== supergraph) {
      console.error('gateway/supergraph.graphql is stale: run `npm run compose` and commit the result');
      process.exit(1);
    }
    console.log('supergraph composes and gateway/supergraph.graphql is up to date');
    return;
  }
  fs.writeFileSync(SUPERGRAPH_PATH, supergraph);
  console.log(`wrote ${path.relative(process.cwd(), SUPERGRAPH_PATH)}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
