export * from './catalog';
export * from './envelope';
export * from './events';
export * from './subjects';
export * from './rpc';
