import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyDefaults,
  applyScale,
  compareKubeAwareVersions,
  crdVersions,
  errorString,
  formatErrors,
  prune,
  scaleOf,
  validateCrd,
  validateCustomResource,
  validateScale,
  type FieldError,
} from './index.ts';

type Obj = Record<string, any>;
const messages = (errs: FieldError[]) => errs.map(errorString);

/** The CronTab CRD with status and scale subresources and printer columns, as on kubernetes.io. */
function cronTabCrd(): Obj {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'crontabs.stable.example.com' },
    spec: {
      group: 'stable.example.com',
      scope: 'Namespaced',
      names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', shortNames: ['ct'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: {
                    cronSpec: { type: 'string', pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$', default: '5 0 * * *' },
                    image: { type: 'string' },
                    replicas: { type: 'integer', minimum: 1, maximum: 10, default: 1 },
                  },
                },
                status: { type: 'object', properties: { replicas: { type: 'integer' }, labelSelector: { type: 'string' } } },
              },
            },
          },
          subresources: {
            status: {},
            scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.labelSelector' },
          },
          additionalPrinterColumns: [
            { name: 'Spec', type: 'string', description: 'The cron spec defining the interval a CronJob is run', jsonPath: '.spec.cronSpec' },
            { name: 'Replicas', type: 'integer', description: 'The number of jobs launched by the CronJob', jsonPath: '.spec.replicas' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
        },
        { name: 'v1beta1', served: true, storage: false, deprecated: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
        { name: 'v2alpha1', served: false, storage: false, schema: { openAPIV3Schema: { type: 'object' } } },
      ],
    },
  };
}

test('crdVersions: served versions by priority, with schema, subresources, columns and deprecation', () => {
  const crd = cronTabCrd();
  assert.deepEqual(validateCrd(crd), []);
  const versions = crdVersions(crd);
  assert.deepEqual(
    versions.map((v) => [v.name, v.storage, v.deprecated, v.deprecationWarning]),
    [
      ['v1', true, false, undefined],
      ['v1beta1', false, true, 'stable.example.com/v1beta1 CronTab is deprecated; use stable.example.com/v1 CronTab'],
    ],
  );
  const v1 = versions[0] as (typeof versions)[number];
  assert.equal(v1.schema?.properties?.spec?.type, 'object');
  assert.deepEqual(v1.subresources, {
    status: {},
    scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.labelSelector' },
  });
  assert.deepEqual(
    v1.printerColumns.map((c) => [c.name, c.type, c.jsonPath]),
    [
      ['Spec', 'string', '.spec.cronSpec'],
      ['Replicas', 'integer', '.spec.replicas'],
      ['Age', 'date', '.metadata.creationTimestamp'],
    ],
  );
  assert.deepEqual(versions[1]?.printerColumns, []);
});

test('kube-aware version priority', () => {
  const sorted = ['v1alpha1', 'foo', 'v2', 'v1beta2', 'v1', 'v10', 'v11alpha2', 'bar', 'v1beta1'].sort((a, b) => compareKubeAwareVersions(b, a));
  assert.deepEqual(sorted, ['v10', 'v2', 'v1', 'v1beta2', 'v1beta1', 'v11alpha2', 'v1alpha1', 'bar', 'foo']);
});

test('a CronTab request end to end: default, prune, validate', () => {
  const crd = cronTabCrd();
  const v1 = crdVersions(crd)[0] as ReturnType<typeof crdVersions>[number];
  const obj: Obj = {
    apiVersion: 'stable.example.com/v1',
    kind: 'CronTab',
    metadata: { name: 'my-new-cron-object', namespace: 'default' },
    spec: { image: 'my-awesome-cron-image', someRandomField: 42 },
  };
  applyDefaults(obj, v1.schema);
  assert.deepEqual(prune(obj, v1.schema), ['spec.someRandomField']);
  assert.deepEqual(obj.spec, { image: 'my-awesome-cron-image', cronSpec: '5 0 * * *', replicas: 1 });
  const opts = { schema: v1.schema, kind: 'CronTab', apiVersion: 'stable.example.com/v1', namespaced: true, scale: v1.subresources?.scale };
  assert.deepEqual(validateCustomResource(obj, opts), []);

  const bad: Obj = { ...obj, spec: { cronSpec: '* * * *', image: 'x', replicas: 15 } };
  assert.equal(
    formatErrors('CronTab', 'stable.example.com', 'my-new-cron-object', validateCustomResource(bad, opts)),
    `CronTab.stable.example.com "my-new-cron-object" is invalid: [spec.cronSpec: Invalid value: "* * * *": spec.cronSpec in body should match '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$', spec.replicas: Invalid value: 15: spec.replicas in body should be less than or equal to 10]`,
  );
  // a wrong kind is reported alone
  assert.deepEqual(messages(validateCustomResource({ ...bad, kind: 'Other' }, opts)), ['kind: Invalid value: "Other": must be CronTab']);
});

test('scale: read and written through the subresource paths (kubectl scale --replicas=5)', () => {
  const scale = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.labelSelector' };
  const obj: Obj = {
    metadata: { name: 'my-new-cron-object', namespace: 'default', uid: 'u', resourceVersion: '7', creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: { cronSpec: '* * * * */5', replicas: 3 },
    status: { replicas: 2, labelSelector: 'app=cron' },
  };
  assert.deepEqual(scaleOf(obj, scale), {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: 'my-new-cron-object', namespace: 'default', uid: 'u', resourceVersion: '7', creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: { replicas: 3 },
    status: { replicas: 2, selector: 'app=cron' },
  });
  applyScale(obj, 5, scale);
  assert.equal(obj.spec.replicas, 5);
  // absent values read as 0 and no selector; missing objects are created on write
  const empty: Obj = { metadata: { name: 'x' } };
  assert.deepEqual(scaleOf(empty, scale).spec, { replicas: 0 });
  assert.deepEqual(scaleOf(empty, scale).status, { replicas: 0 });
  assert.deepEqual(applyScale(empty, 2, scale).spec, { replicas: 2 });
  // wrong types: upstream's accessor errors
  assert.throws(() => scaleOf({ spec: { replicas: 'three' } }, scale), { message: '.spec.replicas accessor error: three is of the type string, expected int64' });
  assert.throws(() => scaleOf({ spec: 'x' }, scale), { message: '.spec.replicas accessor error: x is of the type string, expected map[string]interface{}' });
  assert.throws(() => applyScale({ spec: [] }, 1, scale), { message: 'value cannot be set because .spec is not a map[string]interface{}' });
});

test('scale validation, table-driven', () => {
  const scale = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.labelSelector' };
  const cases: { obj: unknown; statusOnly?: boolean; want: string[] }[] = [
    { obj: { spec: { replicas: 1 }, status: { replicas: 1, labelSelector: 'a=b' } }, want: [] },
    { obj: {}, want: [] },
    { obj: { spec: { replicas: -1 } }, want: ['.spec.replicas: Invalid value: -1: should be a non-negative integer'] },
    { obj: { spec: { replicas: 2 ** 31 } }, want: ['.spec.replicas: Invalid value: 2147483648: should be less than or equal to 2147483647'] },
    { obj: { spec: { replicas: -1 } }, statusOnly: true, want: [] },
    {
      obj: { spec: { replicas: 1.5 }, status: { labelSelector: 5 } },
      want: [
        '.spec.replicas: Invalid value: 0: .spec.replicas accessor error: 1.5 is of the type float64, expected int64',
        '.status.labelSelector: Invalid value: "": .status.labelSelector accessor error: 5 is of the type int64, expected string',
      ],
    },
  ];
  for (const c of cases) assert.deepEqual(messages(validateScale(c.obj, scale, c.statusOnly)), c.want);
});
