// Pure logic of the LimitRanger and ResourceQuota admission plugins and of the quota
// controller's usage calculation; the lead wires it into the admission chain and the store.
export { LIMIT_RANGER_ANNOTATION, limitRangeClaim, limitRangePod } from './limitranger.ts';
export { addUsage, quotaCheck, quotaMatches, totalUsage, usageOf } from './admission.ts';
export { aggregateErrors } from './resources.ts';
