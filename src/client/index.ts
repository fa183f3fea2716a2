// Public API of the client library: how every kubelite component talks to the API server.
export { resources, resourcePath, apiVersionOf, type Resource } from './resources.ts';
export { ApiError, isNotFound, isConflict, isAlreadyExists, isGone } from './errors.ts';
export {
  Client,
  type ClientOptions,
  type ObjectList,
  type GetOptions,
  type ListOptions,
  type WriteOptions,
  type PatchType,
  type PatchOptions,
  type DeleteOptions,
  type WatchOptions,
  type WatchEvent,
  type WatchEventType,
} from './client.ts';
export { JsonObjectStream } from './json-stream.ts';
export { Indexer, Tombstone, keyOf, splitKey, objectOf, namespaceIndexFunc, NAMESPACE_INDEX, type IndexFunc, type StoreReader } from './store.ts';
export { Informer, SharedInformerFactory, type EventHandler, type HandlerRegistration, type InformerOptions, type SharedInformerFactoryOptions } from './informer.ts';
export {
  TokenBucket,
  ItemExponentialFailureRateLimiter,
  BucketRateLimiter,
  MaxOfRateLimiter,
  defaultControllerRateLimiter,
  type RateLimiter,
} from './ratelimit.ts';
export { RateLimitingQueue, type QueueOptions } from './workqueue.ts';
export { LeaderElector, runLeaderElected, type LeaderElectorOptions, type LeaderCallbacks, type LeaderElectedOptions } from './leaderelection.ts';
export { EventRecorder, referenceOf, type EventRecorderOptions, type EventType, type ObjectReference } from './events.ts';
