import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorString, type FieldError } from '../validation/errors.ts';
import { isDNS1035Label } from '../validation/names.ts';
import { defaultCrd, formatErrors, prepareCrd, validateCrd } from './validate-crd.ts';

type Obj = Record<string, any>;
const CRON = '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$';
const messages = (errs: FieldError[]) => errs.map(errorString);

/** The CRDs of "Extend the Kubernetes API with CustomResourceDefinitions". */
function cronTabCrd(version: Obj = {}, names: Obj = {}): Obj {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'crontabs.stable.example.com' },
    spec: {
      group: 'stable.example.com',
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
                  properties: { cronSpec: { type: 'string' }, image: { type: 'string' }, replicas: { type: 'integer' } },
                },
              },
            },
          },
          ...version,
        },
      ],
      scope: 'Namespaced',
      names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', shortNames: ['ct'], ...names },
    },
  };
}

const withSchema = (openAPIV3Schema: unknown, version: Obj = {}) => cronTabCrd({ schema: { openAPIV3Schema }, ...version });
const check = (crd: Obj, old?: Obj) => messages(validateCrd(crd, old));

test('the CronTab CRDs of kubernetes.io are valid', () => {
  const cases: [string, Obj][] = [
    ['basic', cronTabCrd()],
    [
      'validation',
      withSchema({
        type: 'object',
        properties: {
          spec: {
            type: 'object',
            properties: { cronSpec: { type: 'string', pattern: CRON }, image: { type: 'string' }, replicas: { type: 'integer', minimum: 1, maximum: 10 } },
          },
        },
      }),
    ],
    [
      'defaulting',
      withSchema({
        type: 'object',
        properties: {
          spec: {
            type: 'object',
            properties: {
              cronSpec: { type: 'string', pattern: CRON, default: '5 0 * * *' },
              image: { type: 'string' },
              replicas: { type: 'integer', minimum: 1, maximum: 10, default: 1 },
            },
          },
        },
      }),
    ],
    [
      'printer columns',
      cronTabCrd({
        additionalPrinterColumns: [
          { name: 'Spec', type: 'string', description: 'The cron spec defining the interval a CronJob is run', jsonPath: '.spec.cronSpec' },
          { name: 'Replicas', type: 'integer', description: 'The number of jobs launched by the CronJob', jsonPath: '.spec.replicas' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
      }),
    ],
    [
      'status and scale subresources',
      withSchema(
        {
          type: 'object',
          properties: {
            spec: { type: 'object', properties: { cronSpec: { type: 'string' }, image: { type: 'string' }, replicas: { type: 'integer' } } },
            status: { type: 'object', properties: { replicas: { type: 'integer' }, labelSelector: { type: 'string' } } },
          },
        },
        {
          subresources: {
            status: {},
            scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.labelSelector' },
          },
        },
      ),
    ],
    ['categories', cronTabCrd({}, { categories: ['all'] })],
    [
      'structural example of the page (metadata.name restricted, anyOf value validation)',
      withSchema({
        type: 'object',
        description: 'foo bar object',
        properties: {
          foo: { type: 'string', pattern: 'abc' },
          bar: { type: 'integer' },
          metadata: { type: 'object', properties: { name: { type: 'string', pattern: '^a' } } },
        },
        anyOf: [{ properties: { bar: { minimum: 42 } }, required: ['bar'] }],
      }),
    ],
    [
      'IntOrString patterns, RawExtension, preserve-unknown-fields',
      withSchema({
        type: 'object',
        properties: {
          foo: { 'x-kubernetes-int-or-string': true },
          bar: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
          baz: { 'x-kubernetes-int-or-string': true, allOf: [{ anyOf: [{ type: 'integer' }, { type: 'string' }] }, { pattern: '^[0-9]+%?$' }] },
          raw: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
          json: { 'x-kubernetes-preserve-unknown-fields': true },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          ports: {
            type: 'array',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['name'],
            items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer' } } },
          },
        },
      }),
    ],
    ['conversion None', { ...cronTabCrd(), spec: { ...cronTabCrd().spec, conversion: { strategy: 'None' } } }],
    [
      'conversion Webhook (accepted, served as None)',
      {
        ...cronTabCrd(),
        spec: {
          ...cronTabCrd().spec,
          conversion: { strategy: 'Webhook', webhook: { clientConfig: { service: { name: 'conv', namespace: 'system', path: '/convert' } }, conversionReviewVersions: ['v1'] } },
        },
      },
    ],
  ];
  for (const [name, crd] of cases) assert.deepEqual(check(crd), [], name);
});

test('non-structural schemas are rejected with upstream messages', () => {
  const root = 'spec.validation.openAPIV3Schema';
  const cases: { name: string; schema: unknown; want: string[] }[] = [
    {
      name: 'the page example 3 (rules 1-4)',
      schema: {
        properties: {
          foo: { pattern: 'abc' },
          metadata: { type: 'object', properties: { name: { type: 'string', pattern: '^a' }, finalizers: { type: 'array', items: { type: 'string', pattern: 'my-finalizer' } } } },
        },
        anyOf: [{ properties: { bar: { type: 'integer', minimum: 42 } }, required: ['bar'], description: 'foo bar object' }],
      },
      want: [
        `${root}.anyOf[0].description: Forbidden: must be empty to be structural`,
        `${root}.anyOf[0].properties[bar].type: Forbidden: must be empty to be structural`,
        `${root}.properties[bar]: Required value: because it is defined in ${root}.anyOf[0].properties[bar]`,
        `${root}.properties[foo].type: Required value: must not be empty for specified object fields`,
        `${root}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
        `${root}.type: Required value: must not be empty at the root`,
      ],
    },
    {
      name: 'missing type of a field',
      schema: { type: 'object', properties: { spec: { properties: { a: { type: 'string' } } } } },
      want: [`${root}.properties[spec].type: Required value: must not be empty for specified object fields`],
    },
    {
      name: 'missing type of array items, and missing items',
      schema: { type: 'object', properties: { a: { type: 'array', items: {} }, b: { type: 'array' } } },
      want: [`${root}.properties[a].items.type: Required value: must not be empty for specified array items`, `${root}.properties[b].items: Required value: must be specified`],
    },
    { name: 'root must be an object', schema: { type: 'string' }, want: [`${root}.type: Invalid value: "string": must be object at the root`] },
    {
      name: 'additionalProperties at the root',
      schema: { type: 'object', additionalProperties: { type: 'string' } },
      want: [`${root}.additionalProperties: Forbidden: must not be used at the root`],
    },
    {
      name: 'field specified only inside allOf (rule 2)',
      schema: { type: 'object', allOf: [{ properties: { foo: { minLength: 1 } } }] },
      want: [`${root}.properties[foo]: Required value: because it is defined in ${root}.allOf[0].properties[foo]`],
    },
    {
      name: 'items specified only inside allOf (rule 2)',
      schema: { type: 'object', properties: { l: { type: 'array', items: { type: 'string' }, allOf: [{ items: { properties: { foo: {} } } }] } } },
      want: [],
    },
    {
      name: 'nullable, default and extensions inside anyOf (rule 3)',
      schema: {
        type: 'object',
        properties: { a: { type: 'string' } },
        anyOf: [{ nullable: true, default: 'x', 'x-kubernetes-preserve-unknown-fields': true, properties: { a: { title: 't' } } }],
      },
      want: [
        `${root}.anyOf[0].default: Forbidden: must be undefined to be structural`,
        `${root}.anyOf[0].nullable: Forbidden: must be false to be structural`,
        `${root}.anyOf[0].properties[a].title: Forbidden: must be empty to be structural`,
        `${root}.anyOf[0].x-kubernetes-preserve-unknown-fields: Forbidden: must be false to be structural`,
      ],
    },
    {
      name: 'metadata in a nested context',
      schema: { type: 'object', properties: { metadata: { type: 'object' } }, not: { properties: { metadata: { required: ['name'] } } } },
      want: [`${root}.not.properties[metadata]: Forbidden: must not be specified in a nested context`],
    },
    {
      name: 'embedded resource rules',
      schema: {
        type: 'object',
        properties: {
          a: { 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
          b: { type: 'object', 'x-kubernetes-embedded-resource': true },
          c: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { kind: { type: 'integer' } } },
        },
      },
      want: [
        `${root}.properties[a].type: Required value: must be object if x-kubernetes-embedded-resource is true`,
        `${root}.properties[b].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields`,
        `${root}.properties[c].properties[kind].type: Invalid value: "integer": must be string`,
      ],
    },
    {
      name: 'int-or-string with preserve-unknown-fields',
      schema: { type: 'object', properties: { a: { 'x-kubernetes-int-or-string': true, 'x-kubernetes-preserve-unknown-fields': true } } },
      want: [`${root}.properties[a].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true`],
    },
    {
      name: 'an RE2-invalid pattern',
      schema: { type: 'object', properties: { a: { type: 'string', pattern: '^(?!x)' } } },
      want: [`${root}.properties[a].pattern: Invalid value: "^(?!x)": must be a valid regular expression, but isn't: error parsing regexp: invalid or unsupported Perl syntax: \`(?!\``],
    },
  ];
  for (const c of cases) assert.deepEqual(check(withSchema(c.schema)), c.want, c.name);
});

test('schema errors of OpenAPI features CRDs refuse', () => {
  const root = 'spec.validation.openAPIV3Schema';
  const cases: { name: string; schema: unknown; want: string[] }[] = [
    {
      name: 'uniqueItems, unsupported type, null type',
      schema: { type: 'object', properties: { a: { type: 'array', items: { type: 'string' }, uniqueItems: true }, b: { type: 'any' } } },
      want: [
        `${root}.properties[a].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`,
        `${root}.properties[b].type: Unsupported value: "any": supported values: "array", "boolean", "integer", "number", "object", "string"`,
      ],
    },
    {
      name: '$ref, id, patternProperties: NewStructural fails, so only these are reported',
      schema: { type: 'object', properties: { a: { $ref: '#/x' }, b: { type: 'object', patternProperties: { x: { type: 'string' } } }, c: {} } },
      want: [`${root}.properties[a].$ref: Forbidden: $ref is not supported`, `${root}.properties[b].patternProperties: Forbidden: patternProperties is not supported`],
    },
    {
      name: 'properties and additionalProperties',
      schema: { type: 'object', properties: { m: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } } } },
      want: [`${root}.properties[m].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`],
    },
    {
      name: 'defaults in metadata, and defaults that are not pruned or do not validate',
      schema: {
        type: 'object',
        properties: {
          metadata: { type: 'object', properties: { name: { type: 'string', default: 'x' } } },
          spec: {
            type: 'object',
            properties: {
              replicas: { type: 'integer', minimum: 1, default: 0 },
              tpl: { type: 'object', properties: { a: { type: 'string' } }, default: { a: 'x', b: 'y' } },
            },
          },
        },
      },
      want: [
        // a default is validated as a value of its own: the name in kube-openapi's message is empty
        `${root}.properties[spec].properties[replicas].default: Invalid value: 0:  in body should be greater than or equal to 1`,
        `${root}.properties[spec].properties[tpl].default: Invalid value: map[string]interface {}{"a":"x", "b":"y"}: must not have unknown fields`,
        `${root}.properties[metadata].properties[name].default: Forbidden: must not be set in top-level metadata`,
      ],
    },
    {
      name: 'list-type map rules',
      schema: {
        type: 'object',
        properties: {
          a: { type: 'array', 'x-kubernetes-list-type': 'map', items: { type: 'object', properties: { k: { type: 'string' } } } },
          b: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['k', 'z'], items: { type: 'object', required: ['k'], properties: { k: { type: 'object' } } } },
          c: { type: 'object', 'x-kubernetes-list-type': 'set' },
          d: { type: 'array', 'x-kubernetes-list-type': 'bag', items: { type: 'string' } },
        },
      },
      want: [
        `${root}.properties[a].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map`,
        `${root}.properties[b].items.properties[k].type: Invalid value: "object": must be a scalar type if parent array's x-kubernetes-list-type is map`,
        `${root}.properties[b].x-kubernetes-list-map-keys: Invalid value: []string{"k", "z"}: entries must all be names of item properties`,
        `${root}.properties[c].type: Invalid value: "object": must be array if x-kubernetes-list-type is specified`,
        `${root}.properties[d].x-kubernetes-list-type: Unsupported value: "bag": supported values: "atomic", "set", "map"`,
      ],
    },
    {
      name: 'x-kubernetes-validations static checks',
      schema: { type: 'object', 'x-kubernetes-validations': [{ rule: ' ' }, { rule: 'self.a > 0', reason: 'Bad' }] },
      want: [
        `${root}.x-kubernetes-validations[0].rule: Required value: rule is not specified`,
        `${root}.x-kubernetes-validations[1].reason: Unsupported value: "Bad": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"`,
      ],
    },
  ];
  for (const c of cases) assert.deepEqual(check(withSchema(c.schema)), c.want, c.name);
});

test('names, group, scope, versions, subresources, columns, conversion: table-driven', () => {
  const base = () => cronTabCrd();
  const edit = (fn: (c: Obj) => void) => {
    const c = base();
    fn(c);
    return c;
  };
  const storage1035 = isDNS1035Label('V1').join(',');
  const cases: { name: string; crd: Obj; want: string[] }[] = [
    { name: 'name must be plural.group', crd: edit((c) => (c.metadata.name = 'crontab.stable.example.com')), want: ['metadata.name: Invalid value: "crontab.stable.example.com": must be spec.names.plural+"."+spec.group'] },
    {
      name: 'group without a dot',
      crd: edit((c) => {
        c.spec.group = 'stable';
        c.metadata.name = 'crontabs.stable';
      }),
      want: ['spec.group: Invalid value: "stable": should be a domain with at least one dot'],
    },
    { name: 'scope missing', crd: edit((c) => delete c.spec.scope), want: ['spec.scope: Required value'] },
    { name: 'scope unsupported', crd: edit((c) => (c.spec.scope = 'Global')), want: ['spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"'] },
    {
      name: 'kind missing (so singular and listKind are not defaulted)',
      crd: edit((c) => {
        delete c.spec.names.kind;
        delete c.spec.names.singular;
      }),
      want: ['spec.names.singular: Required value', 'spec.names.kind: Required value', 'spec.names.listKind: Required value'],
    },
    {
      name: 'bad names',
      crd: edit((c) => {
        c.spec.names = { plural: 'crontabs', singular: 'Cron', kind: 'Cron_Tab', listKind: 'Cron_Tab', shortNames: ['CT'] };
      }),
      want: [
        `spec.names.singular: Invalid value: "Cron": ${isDNS1035Label('Cron').join(',')}`,
        `spec.names.kind: Invalid value: "Cron_Tab": may have mixed case, but should otherwise match: ${isDNS1035Label('cron_tab').join(',')}`,
        `spec.names.listKind: Invalid value: "Cron_Tab": may have mixed case, but should otherwise match: ${isDNS1035Label('cron_tab').join(',')}`,
        `spec.names.shortNames[0]: Invalid value: "CT": ${isDNS1035Label('CT').join(',')}`,
        'spec.names.listKind: Invalid value: "Cron_Tab": kind and listKind may not be the same',
      ],
    },
    {
      name: 'version name',
      crd: edit((c) => (c.spec.versions[0].name = 'V1')),
      want: [`spec.versions[0].name: Invalid value: "V1": ${storage1035}`, `spec.version: Invalid value: "V1": ${storage1035}`],
    },
    {
      name: 'no storage version',
      crd: edit((c) => (c.spec.versions[0].storage = false)),
      want: [
        'spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{apiextensions.CustomResourceDefinitionVersion{Name:"v1", Served:true, Storage:false, Deprecated:false, DeprecationWarning:(*string)(nil), Schema:(*apiextensions.CustomResourceValidation)(nil), Subresources:(*apiextensions.CustomResourceSubresources)(nil), AdditionalPrinterColumns:[]apiextensions.CustomResourceColumnDefinition(nil), SelectableFields:[]apiextensions.SelectableField(nil)}}: must have exactly one version marked as storage version',
        'status.storedVersions: Invalid value: []string(nil): must have at least one stored version',
      ],
    },
    {
      name: 'duplicate versions and two storage versions',
      crd: edit((c) => c.spec.versions.push({ ...c.spec.versions[0] })),
      want: [
        'spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{apiextensions.CustomResourceDefinitionVersion{Name:"v1", Served:true, Storage:true, Deprecated:false, DeprecationWarning:(*string)(nil), Schema:(*apiextensions.CustomResourceValidation)(nil), Subresources:(*apiextensions.CustomResourceSubresources)(nil), AdditionalPrinterColumns:[]apiextensions.CustomResourceColumnDefinition(nil), SelectableFields:[]apiextensions.SelectableField(nil)}, apiextensions.CustomResourceDefinitionVersion{Name:"v1", Served:true, Storage:true, Deprecated:false, DeprecationWarning:(*string)(nil), Schema:(*apiextensions.CustomResourceValidation)(nil), Subresources:(*apiextensions.CustomResourceSubresources)(nil), AdditionalPrinterColumns:[]apiextensions.CustomResourceColumnDefinition(nil), SelectableFields:[]apiextensions.SelectableField(nil)}}: must contain unique version names',
        'spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{apiextensions.CustomResourceDefinitionVersion{Name:"v1", Served:true, Storage:true, Deprecated:false, DeprecationWarning:(*string)(nil), Schema:(*apiextensions.CustomResourceValidation)(nil), Subresources:(*apiextensions.CustomResourceSubresources)(nil), AdditionalPrinterColumns:[]apiextensions.CustomResourceColumnDefinition(nil), SelectableFields:[]apiextensions.SelectableField(nil)}, apiextensions.CustomResourceDefinitionVersion{Name:"v1", Served:true, Storage:true, Deprecated:false, DeprecationWarning:(*string)(nil), Schema:(*apiextensions.CustomResourceValidation)(nil), Subresources:(*apiextensions.CustomResourceSubresources)(nil), AdditionalPrinterColumns:[]apiextensions.CustomResourceColumnDefinition(nil), SelectableFields:[]apiextensions.SelectableField(nil)}}: must have exactly one version marked as storage version',
        // upstream checks each storage version against status.storedVersions, consuming matches
        'status.storedVersions: Invalid value: []string{"v1"}: must have the storage version v1',
      ],
    },
    { name: 'schema required in v1', crd: edit((c) => delete c.spec.versions[0].schema), want: ['spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required'] },
    {
      name: 'per-version schemas keep per-version paths',
      crd: edit((c) =>
        c.spec.versions.push({ name: 'v2', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { properties: {} } } } } }),
      ),
      want: ['spec.versions[1].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields'],
    },
    {
      name: 'deprecationWarning without deprecated',
      crd: edit((c) => (c.spec.versions[0].deprecationWarning = 'old')),
      want: ['spec.versions[0].deprecationWarning: Invalid value: "old": can only be set for deprecated versions'],
    },
    {
      name: 'scale paths',
      crd: edit((c) => (c.spec.versions[0].subresources = { scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: '.spec.replicas', labelSelectorPath: '.metadata.labels' } })),
      want: [
        'spec.subresources.scale.specReplicasPath: Invalid value: "spec.replicas": must be a simple json path starting with .',
        'spec.subresources.scale.statusReplicasPath: Invalid value: ".spec.replicas": should be a json path under .status',
        'spec.subresources.scale.labelSelectorPath: Invalid value: ".metadata.labels": should be a json path under either .spec or .status',
      ],
    },
    { name: 'scale paths required', crd: edit((c) => (c.spec.versions[0].subresources = { scale: {} })), want: ['spec.subresources.scale.specReplicasPath: Required value', 'spec.subresources.scale.statusReplicasPath: Required value'] },
    {
      name: 'status subresource restricts the root schema',
      crd: edit((c) => {
        c.spec.versions[0].subresources = { status: {} };
        c.spec.versions[0].schema.openAPIV3Schema.anyOf = [{ required: ['spec'] }];
      }),
      want: [
        'spec.validation.openAPIV3Schema: Invalid value: apiextensions.JSONSchemaProps{...}: only [Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations] fields are allowed at the root of the schema if the status subresource is enabled',
      ],
    },
    {
      name: 'printer columns',
      crd: edit((c) => (c.spec.versions[0].additionalPrinterColumns = [{ type: 'str', format: 'hex', jsonPath: 'spec' }, { name: 'X' }])),
      want: [
        'spec.additionalPrinterColumns[0].name: Required value',
        'spec.additionalPrinterColumns[0].type: Invalid value: "str": must be one of boolean,date,integer,number,string',
        'spec.additionalPrinterColumns[0].format: Invalid value: "hex": must be one of byte,date,date-time,double,float,int32,int64,password',
        'spec.additionalPrinterColumns[0].JSONPath: Invalid value: "spec": must be a simple json path starting with .',
        'spec.additionalPrinterColumns[1].type: Required value: must be one of boolean,date,integer,number,string',
        'spec.additionalPrinterColumns[1].JSONPath: Required value',
      ],
    },
    {
      name: 'conversion strategy unsupported',
      crd: edit((c) => (c.spec.conversion = { strategy: 'Magic' })),
      want: ['spec.conversion.strategy: Unsupported value: "Magic": supported values: "None", "Webhook"'],
    },
    {
      name: 'conversion webhook without a client config',
      crd: edit((c) => (c.spec.conversion = { strategy: 'Webhook' })),
      want: ['spec.conversion.webhookClientConfig: Required value: required when strategy is set to Webhook', 'spec.conversion.conversionReviewVersions: Required value'],
    },
    {
      name: 'conversion webhook url and review versions',
      crd: edit((c) => (c.spec.conversion = { strategy: 'Webhook', webhook: { clientConfig: { url: 'http://u@h/p?q' }, conversionReviewVersions: ['v2'] } })),
      want: [
        "spec.conversion.webhookClientConfig.url: Invalid value: \"http\": 'https' is the only allowed URL scheme; desired format: https://host[/path]",
        'spec.conversion.webhookClientConfig.url: Invalid value: "u": user information is not permitted in the URL',
        'spec.conversion.webhookClientConfig.url: Invalid value: "q": query parameters are not permitted in the URL',
        'spec.conversion.conversionReviewVersions: Invalid value: []string{"v2"}: must include at least one of v1, v1beta1',
      ],
    },
    {
      name: 'webhook settings with strategy None',
      crd: edit((c) => (c.spec.conversion = { strategy: 'None', webhook: { clientConfig: { url: 'https://x' }, conversionReviewVersions: ['v1'] } })),
      want: [
        'spec.conversion.webhookClientConfig: Forbidden: should not be set when strategy is not set to Webhook',
        'spec.conversion.conversionReviewVersions: Forbidden: should not be set when strategy is not set to Webhook',
      ],
    },
    {
      name: 'preserveUnknownFields true',
      crd: edit((c) => (c.spec.preserveUnknownFields = true)),
      want: ['spec.preserveUnknownFields: Invalid value: true: cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead'],
    },
    {
      name: 'protected group without approval',
      crd: edit((c) => {
        c.spec.group = 'widgets.k8s.io';
        c.metadata.name = 'crontabs.widgets.k8s.io';
      }),
      want: [
        'metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111',
      ],
    },
    {
      name: 'protected group with approval',
      crd: edit((c) => {
        c.spec.group = 'widgets.k8s.io';
        c.metadata.name = 'crontabs.widgets.k8s.io';
        c.metadata.annotations = { 'api-approved.kubernetes.io': 'https://github.com/kubernetes/kubernetes/pull/1' };
      }),
      want: [],
    },
  ];
  for (const c of cases) assert.deepEqual(check(c.crd), c.want, c.name);
});

test('the aggregate message of a rejected CRD', () => {
  const crd = withSchema({ type: 'object', properties: { spec: { properties: { cronSpec: { type: 'string' } } } } });
  assert.equal(
    formatErrors('CustomResourceDefinition', 'apiextensions.k8s.io', 'crontabs.stable.example.com', validateCrd(crd)),
    'CustomResourceDefinition.apiextensions.k8s.io "crontabs.stable.example.com" is invalid: spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields',
  );
});

test('updates: immutable group and plural, scope and kind once established, stored versions kept', () => {
  const old = prepareCrd(cronTabCrd());
  old.status.conditions = [{ type: 'Established', status: 'True' }];
  const changed = cronTabCrd();
  changed.spec.scope = 'Cluster';
  changed.spec.names.kind = 'Cron';
  changed.spec.names.plural = 'crons';
  changed.metadata.name = 'crons.stable.example.com';
  assert.deepEqual(check(changed, old), [
    'metadata.name: Invalid value: "crons.stable.example.com": field is immutable',
    'spec.scope: Invalid value: "Cluster": field is immutable',
    'spec.names.kind: Invalid value: "Cron": field is immutable',
    'spec.names.plural: Invalid value: "crons": field is immutable',
  ]);

  // v1 stored, then v2 becomes the storage version: v1 must stay in spec.versions
  const v2 = cronTabCrd();
  v2.spec.versions = [{ ...v2.spec.versions[0], name: 'v2' }];
  assert.deepEqual(check(v2, old), [
    'status.storedVersions[0]: Invalid value: "v1": missing from spec.versions; v1 was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in v1 and removes v1 from status.storedVersions',
  ]);
  const both = cronTabCrd();
  both.spec.versions = [{ ...both.spec.versions[0], name: 'v2' }, { ...both.spec.versions[0], storage: false }];
  assert.deepEqual(check(both, old), []);
  assert.deepEqual(prepareCrd(both, old).status.storedVersions, ['v1', 'v2']);
});

test('defaulting of the CRD itself', () => {
  const d = defaultCrd(cronTabCrd({}, { singular: undefined, listKind: undefined }));
  assert.equal(d.spec.names.singular, 'crontab');
  assert.equal(d.spec.names.listKind, 'CronTabList');
  assert.deepEqual(d.spec.conversion, { strategy: 'None' });
  assert.deepEqual(prepareCrd(cronTabCrd()).status, { storedVersions: ['v1'] });
});
