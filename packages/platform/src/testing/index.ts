export * from './harness';
export * from './subgraph-client';
