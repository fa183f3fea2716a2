// Conversion between the served versions of a built-in resource that differ in shape (today
// HorizontalPodAutoscaler: autoscaling/v1 and v2). Objects are stored in the storage version
// and converted on the way in and out, as kube-apiserver does through its internal hub type.
import { convertHpa } from './hpa.ts';

type Obj = Record<string, any>;

interface Converter {
  storageVersion: string;
  convert(obj: Obj, version: string): Obj;
}

const CONVERTERS: Record<string, Converter> = {
  'autoscaling/HorizontalPodAutoscaler': { storageVersion: 'v2', convert: (obj, v) => convertHpa(obj, v as 'v1' | 'v2') },
};

/** Whether a group/kind has versions of different shapes. */
export function hasConversion(group: string, kind: string): boolean {
  return `${group}/${kind}` in CONVERTERS;
}

/** The object (in whatever version it carries) in `version` of its group. */
export function convertTo(group: string, kind: string, obj: Obj, version: string): Obj {
  const c = CONVERTERS[`${group}/${kind}`];
  return c ? c.convert(obj, version) : obj;
}

/** The object in the version it is stored in. */
export function toStorageVersion(group: string, kind: string, obj: Obj): Obj {
  const c = CONVERTERS[`${group}/${kind}`];
  return c ? c.convert(obj, c.storageVersion) : obj;
}

export { convertHpa, hpaToV1, hpaToV2 } from './hpa.ts';
