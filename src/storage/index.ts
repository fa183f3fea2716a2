// Public API of the storage layer: the store contract and its embedded engine.
export type * from './types.ts';
export { MAX_REQUEST_BYTES, MAX_LEASE_TTL } from './types.ts';
export * from './errors.ts';
export { openStore, type EngineOptions, type EmbeddedStore } from './engine.ts';
