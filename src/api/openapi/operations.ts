// The API's paths and operations as upstream shapes them (operation ids like
// `listCoreV1NamespacedPod`, parameters, responses, x-kubernetes-action and
// x-kubernetes-group-version-kind), in a neutral form that v2.ts and v3.ts render.

import type { ResourceInfo, ResourceRegistry } from '../registry.ts';
import { DefinitionSet, META, REF_V2 } from './catalogue.ts';
import type { GroupVersionKind, Schema } from './schema.ts';

export interface Param {
  name: string;
  in: 'path' | 'query';
  description: string;
  type: 'string' | 'boolean' | 'integer';
  required?: boolean;
}

export interface Body {
  /** Definition name of the body. */
  definition: string;
  required: boolean;
  /** Media types accepted (v2 `consumes`, v3 `requestBody.content`). */
  types: string[];
}

export interface Response {
  code: string;
  description: string;
  /** v2-style schema (a $ref to a definition, or `{type: 'string'}`); absent for 401. */
  schema?: Schema;
}

export type Method = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch';

export interface Operation {
  method: Method;
  operationId: string;
  description: string;
  tag: string;
  action: string;
  gvk?: GroupVersionKind;
  params: Param[];
  body?: Body;
  produces: string[];
  responses: Response[];
}

export interface PathSpec {
  path: string;
  /** The /openapi/v3 document the path belongs to: `api/v1`, `apis/apps/v1`, `apis`, `version`, ... */
  doc: string;
  params: Param[];
  ops: Operation[];
}

export interface BuildOptions {
  /** Advertise `fieldValidation` on writes (kubectl then leaves schema validation to the server). */
  fieldValidation: boolean;
}

const JSON_YAML = ['application/json', 'application/yaml'];
const WATCH_TYPES = ['application/json', 'application/yaml', 'application/json;stream=watch'];
const ANY = ['*/*'];
const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];
const UNAUTHORIZED: Response = { code: '401', description: 'Unauthorized' };

const ref = (definition: string): Schema => ({ $ref: REF_V2 + definition });

function q(name: string, type: Param['type'], description: string): Param {
  return { name, in: 'query', type, description };
}

const P = {
  pretty: q('pretty', 'string', "If 'true', then the output is pretty printed."),
  dryRun: q(
    'dryRun',
    'string',
    'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed',
  ),
  fieldManager: q(
    'fieldManager',
    'string',
    'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters.',
  ),
  fieldValidation: q(
    'fieldValidation',
    'string',
    'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: - Ignore: drop unknown fields silently, keep the last of duplicate fields. - Warn: send a warning for each unknown or duplicate field (the default). - Strict: fail the request on unknown or duplicate fields.',
  ),
  force: q(
    'force',
    'boolean',
    'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.',
  ),
  allowWatchBookmarks: q('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK". Servers may ignore it.'),
  continue: q('continue', 'string', 'The continue option should be set when retrieving more results from the server, with the value returned by the previous page.'),
  fieldSelector: q('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  labelSelector: q('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  limit: q('limit', 'integer', 'limit is a maximum number of responses to return for a list call. If more items exist, the server sets the `continue` field on the list metadata.'),
  resourceVersion: q('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from. Defaults to unset.'),
  resourceVersionMatch: q('resourceVersionMatch', 'string', 'resourceVersionMatch determines how resourceVersion is applied to list calls: Exact or NotOlderThan.'),
  sendInitialEvents: q(
    'sendInitialEvents',
    'boolean',
    '`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection, followed by a bookmark annotated "k8s.io/initial-events-end".',
  ),
  timeoutSeconds: q('timeoutSeconds', 'integer', 'Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.'),
  watch: q('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.'),
  gracePeriodSeconds: q('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted. Zero means delete immediately.'),
  ignoreStoreReadError: q(
    'ignoreStoreReadErrorWithClusterBreakingPotential',
    'boolean',
    'if set to true, it will trigger an unsafe deletion of the resource in case the normal deletion flow fails with a corrupt object error.',
  ),
  orphanDependents: q('orphanDependents', 'boolean', 'Deprecated: please use the PropagationPolicy. Should the dependent objects be orphaned.'),
  propagationPolicy: q('propagationPolicy', 'string', "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'."),
};

const LIST_PARAMS = [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch];

const NAMESPACE: Param = { name: 'namespace', in: 'path', type: 'string', required: true, description: 'object name and auth scope, such as for teams and projects' };

function nameParam(kind: string): Param {
  return { name: 'name', in: 'path', type: 'string', required: true, description: `name of the ${kind}` };
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** `''` → `Core`, `rbac.authorization.k8s.io` → `RbacAuthorization`, `stable.example.com` → `StableExampleCom`. */
export function groupCamel(group: string): string {
  if (group === '') return 'Core';
  return group
    .replace(/\.k8s\.io$/, '')
    .split(/[.-]/)
    .map(capitalize)
    .join('');
}

function tagOf(group: string, version?: string): string {
  const g = groupCamel(group);
  const t = g.charAt(0).toLowerCase() + g.slice(1);
  return version ? `${t}_${version}` : t;
}

function docKey(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function prefixOf(group: string, version: string): string {
  return '/' + docKey(group, version);
}

interface SubresourceShape {
  /** Operations on `{item}/{sub}`. */
  ops: ('get' | 'put' | 'patch' | 'post')[];
  /** Kind of the body and response: the parent's when absent. */
  kind?: GroupVersionKind;
}

const SCALE: GroupVersionKind = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
const SUBRESOURCES: Record<string, SubresourceShape> = {
  status: { ops: ['get', 'put', 'patch'] },
  scale: { ops: ['get', 'put', 'patch'], kind: SCALE },
  ephemeralcontainers: { ops: ['get', 'put', 'patch'] },
  resize: { ops: ['get', 'put', 'patch'] },
  approval: { ops: ['get', 'put', 'patch'] },
  finalize: { ops: ['put'] },
  binding: { ops: ['post'], kind: { group: '', version: 'v1', kind: 'Binding' } },
  eviction: { ops: ['post'], kind: { group: 'policy', version: 'v1', kind: 'Eviction' } },
  token: { ops: ['post'], kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' } },
};

const CONNECT_PARAMS: Record<string, Param[]> = {
  exec: [
    q('command', 'string', 'Command is the remote command to execute. argv array. Not executed within a shell.'),
    q('container', 'string', 'Container in which to execute the command. Defaults to only container if there is only one container in the pod.'),
    q('stderr', 'boolean', 'Redirect the standard error stream of the pod for this call.'),
    q('stdin', 'boolean', 'Redirect the standard input stream of the pod for this call. Defaults to false.'),
    q('stdout', 'boolean', 'Redirect the standard output stream of the pod for this call.'),
    q('tty', 'boolean', 'TTY if true indicates that a tty will be allocated for the exec call. Defaults to false.'),
  ],
  attach: [
    q('container', 'string', 'The container in which to execute the command. Defaults to only container if there is only one container in the pod.'),
    q('stderr', 'boolean', 'Stderr if true indicates that stderr is to be redirected for the attach call. Defaults to true.'),
    q('stdin', 'boolean', 'Stdin if true, redirects the standard input stream of the pod for this call. Defaults to false.'),
    q('stdout', 'boolean', 'Stdout if true indicates that stdout is to be redirected for the attach call. Defaults to true.'),
    q('tty', 'boolean', 'TTY if true indicates that a tty will be allocated for the attach call.'),
  ],
  portforward: [q('ports', 'integer', 'List of ports to forward. Required when using WebSockets')],
  proxy: [q('path', 'string', 'Path is the URL path to use for the current proxy request to pod.')],
};

const LOG_PARAMS: Param[] = [
  q('container', 'string', 'The container for which to stream logs. Defaults to only container if there is one container in the pod.'),
  q('follow', 'boolean', 'Follow the log stream of the pod. Defaults to false.'),
  q('insecureSkipTLSVerifyBackend', 'boolean', 'insecureSkipTLSVerifyBackend indicates that the apiserver should not confirm the validity of the serving certificate of the backend it is connecting to.'),
  q('limitBytes', 'integer', 'If set, the number of bytes to read from the server before terminating the log output.'),
  q('previous', 'boolean', 'Return previous terminated container logs. Defaults to false.'),
  q('sinceSeconds', 'integer', 'A relative time in seconds before the current time from which to show logs.'),
  q('stream', 'string', 'Specify which container log stream to return to the client: All, Stdout or Stderr. Defaults to All.'),
  q('tailLines', 'integer', 'If set, the number of lines from the end of the logs to show.'),
  q('timestamps', 'boolean', 'If true, add an RFC3339 or RFC3339Nano timestamp at the beginning of every line of log output. Defaults to false.'),
];

const CONNECT_OPTIONS: Record<string, string> = { exec: 'ExecOptions', attach: 'AttachOptions', portforward: 'PortForwardOptions', proxy: 'ProxyOptions' };

const PROXY_METHODS: Method[] = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

/** Builds every path of the registry. Definitions the paths need are added to `defs` when missing. */
export function buildPaths(registry: ResourceRegistry, defs: DefinitionSet, opts: BuildOptions): PathSpec[] {
  const paths = new Map<string, PathSpec>();
  const at = (path: string, doc: string, params: Param[]): PathSpec => {
    let p = paths.get(path);
    if (!p) paths.set(path, (p = { path, doc, params, ops: [] }));
    return p;
  };
  const writeParams = (extra: Param[] = []): Param[] => [P.dryRun, P.fieldManager, ...(opts.fieldValidation ? [P.fieldValidation] : []), ...extra];

  // Non-resource paths.
  at('/version/', 'version', []).ops.push({
    method: 'get',
    operationId: 'getCodeVersion',
    description: 'get the version information for this server',
    tag: 'version',
    action: '',
    params: [],
    produces: ['application/json'],
    responses: [{ code: '200', description: 'OK', schema: ref('io.k8s.apimachinery.pkg.version.Info') }, UNAUTHORIZED],
  });
  at('/api/', 'api', []).ops.push({
    method: 'get',
    operationId: 'getCoreAPIVersions',
    description: 'get available API versions',
    tag: 'core',
    action: '',
    params: [],
    produces: JSON_YAML,
    responses: [{ code: '200', description: 'OK', schema: ref(`${META}.APIVersions`) }, UNAUTHORIZED],
  });
  at('/apis/', 'apis', []).ops.push({
    method: 'get',
    operationId: 'getAPIVersions',
    description: 'get available API versions',
    tag: 'apis',
    action: '',
    params: [],
    produces: JSON_YAML,
    responses: [{ code: '200', description: 'OK', schema: ref(`${META}.APIGroupList`) }, UNAUTHORIZED],
  });

  for (const { group, versions } of registry.groups()) {
    if (group) {
      at(`/apis/${group}/`, `apis/${group}`, []).ops.push({
        method: 'get',
        operationId: `get${groupCamel(group)}APIGroup`,
        description: 'get information of a group',
        tag: tagOf(group),
        action: '',
        params: [],
        produces: JSON_YAML,
        responses: [{ code: '200', description: 'OK', schema: ref(`${META}.APIGroup`) }, UNAUTHORIZED],
      });
    }
    for (const version of versions) {
      const doc = docKey(group, version);
      const gv = groupCamel(group) + capitalize(version);
      const tag = tagOf(group, version);
      at(`${prefixOf(group, version)}/`, doc, []).ops.push({
        method: 'get',
        operationId: `get${gv}APIResources`,
        description: 'get available resources',
        tag,
        action: '',
        params: [],
        produces: JSON_YAML,
        responses: [{ code: '200', description: 'OK', schema: ref(`${META}.APIResourceList`) }, UNAUTHORIZED],
      });
      const resources = registry.resources(group, version).sort((a, b) => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0));
      for (const info of resources) addResource(info, doc, gv, tag);
    }
  }

  function addResource(info: ResourceInfo, doc: string, gv: string, tag: string): void {
    const crd = info.crd !== undefined;
    const gvk: GroupVersionKind = { group: info.group, version: info.version, kind: info.kind };
    const def = defs.forKind(gvk, crd);
    const listDef = defs.forListKind({ ...gvk, kind: info.listKind }, def, crd);
    const base = prefixOf(info.group, info.version);
    const ns = info.namespaced ? 'Namespaced' : '';
    const nsPath = info.namespaced ? '/namespaces/{namespace}' : '';
    const nsParams = info.namespaced ? [NAMESPACE] : [];
    const verbs = new Set(info.verbs);
    const K = info.kind;
    const collection = `${base}${nsPath}/${info.resource}`;
    const item = `${collection}/{name}`;
    const patchTypes = crd ? PATCH_TYPES.filter((t) => t !== 'application/strategic-merge-patch+json') : PATCH_TYPES;
    const op = (o: Omit<Operation, 'tag' | 'gvk'> & { gvk?: GroupVersionKind | null }): Operation => {
      const { gvk: g, ...rest } = o;
      return { tag, ...rest, ...(g === null ? {} : { gvk: g ?? gvk }) };
    };
    const ok = (d: string): Response => ({ code: '200', description: 'OK', schema: ref(d) });
    const created = (d: string): Response => ({ code: '201', description: 'Created', schema: ref(d) });
    const accepted = (d: string): Response => ({ code: '202', description: 'Accepted', schema: ref(d) });
    // Pods come back from a graceful delete; everything else answers with a Status.
    const deleted = info.group === '' && info.resource === 'pods' ? def : `${META}.Status`;
    const deleteBody: Body = { definition: `${META}.DeleteOptions`, required: false, types: ANY };

    if (verbs.has('list') || verbs.has('create') || verbs.has('deletecollection')) {
      const p = at(collection, doc, [...nsParams, P.pretty]);
      if (verbs.has('list')) {
        p.ops.push(
          op({
            method: 'get',
            operationId: `list${gv}${ns}${K}`,
            description: `list or watch objects of kind ${K}`,
            action: 'list',
            params: LIST_PARAMS,
            produces: WATCH_TYPES,
            responses: [ok(listDef), UNAUTHORIZED],
          }),
        );
      }
      if (verbs.has('create')) {
        p.ops.push(
          op({
            method: 'post',
            operationId: `create${gv}${ns}${K}`,
            description: `create ${article(K)} ${K}`,
            action: 'post',
            params: writeParams(),
            body: { definition: def, required: true, types: ANY },
            produces: JSON_YAML,
            responses: [ok(def), created(def), accepted(def), UNAUTHORIZED],
          }),
        );
      }
      if (verbs.has('deletecollection')) {
        p.ops.push(
          op({
            method: 'delete',
            operationId: `delete${gv}Collection${ns}${K}`,
            description: `delete collection of ${K}`,
            action: 'deletecollection',
            params: [P.continue, P.dryRun, P.fieldSelector, P.gracePeriodSeconds, P.ignoreStoreReadError, P.labelSelector, P.limit, P.orphanDependents, P.propagationPolicy, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds],
            body: deleteBody,
            produces: JSON_YAML,
            responses: [ok(`${META}.Status`), UNAUTHORIZED],
          }),
        );
      }
    }
    if (verbs.has('get') || verbs.has('update') || verbs.has('patch') || verbs.has('delete')) {
      const p = at(item, doc, [nameParam(K), ...nsParams, P.pretty]);
      if (verbs.has('get')) {
        p.ops.push(op({ method: 'get', operationId: `read${gv}${ns}${K}`, description: `read the specified ${K}`, action: 'get', params: [], produces: JSON_YAML, responses: [ok(def), UNAUTHORIZED] }));
      }
      if (verbs.has('update')) {
        p.ops.push(
          op({
            method: 'put',
            operationId: `replace${gv}${ns}${K}`,
            description: `replace the specified ${K}`,
            action: 'put',
            params: writeParams(),
            body: { definition: def, required: true, types: ANY },
            produces: JSON_YAML,
            responses: [ok(def), created(def), UNAUTHORIZED],
          }),
        );
      }
      if (verbs.has('delete')) {
        p.ops.push(
          op({
            method: 'delete',
            operationId: `delete${gv}${ns}${K}`,
            description: `delete ${article(K)} ${K}`,
            action: 'delete',
            params: [P.dryRun, P.gracePeriodSeconds, P.ignoreStoreReadError, P.orphanDependents, P.propagationPolicy],
            body: deleteBody,
            produces: JSON_YAML,
            responses: [ok(deleted), accepted(deleted), UNAUTHORIZED],
          }),
        );
      }
      if (verbs.has('patch')) {
        p.ops.push(
          op({
            method: 'patch',
            operationId: `patch${gv}${ns}${K}`,
            description: `partially update the specified ${K}`,
            action: 'patch',
            params: writeParams([P.force]),
            body: { definition: `${META}.Patch`, required: true, types: patchTypes },
            produces: JSON_YAML,
            responses: [ok(def), created(def), UNAUTHORIZED],
          }),
        );
      }
    }
    if (info.namespaced && verbs.has('list')) {
      at(`${base}/${info.resource}`, doc, [P.pretty]).ops.push(
        op({
          method: 'get',
          operationId: `list${gv}${K}ForAllNamespaces`,
          description: `list or watch objects of kind ${K}`,
          action: 'list',
          params: LIST_PARAMS,
          produces: WATCH_TYPES,
          responses: [ok(listDef), UNAUTHORIZED],
        }),
      );
    }
    if (verbs.has('watch')) {
      const watchEvent = `${META}.WatchEvent`;
      const watch = (path: string, params: Param[], operationId: string, description: string, action: string): void => {
        at(path, doc, [...params, P.pretty]).ops.push(
          op({ method: 'get', operationId, description, action, params: LIST_PARAMS, produces: WATCH_TYPES, responses: [ok(watchEvent), UNAUTHORIZED] }),
        );
      };
      const deprecated = "deprecated: use the 'watch' parameter with a list operation instead";
      watch(`${base}/watch${nsPath}/${info.resource}`, nsParams, `watch${gv}${ns}${K}List`, `watch individual changes to a list of ${K}. ${deprecated}.`, 'watchlist');
      watch(
        `${base}/watch${nsPath}/${info.resource}/{name}`,
        [nameParam(K), ...nsParams],
        `watch${gv}${ns}${K}`,
        `watch changes to an object of kind ${K}. ${deprecated}, filtered to a single item with the 'fieldSelector' parameter.`,
        'watch',
      );
      if (info.namespaced) {
        watch(`${base}/watch/${info.resource}`, [], `watch${gv}${K}ListForAllNamespaces`, `watch individual changes to a list of ${K}. ${deprecated}.`, 'watchlist');
      }
    }

    for (const sub of info.subresources) {
      const Sub = capitalize(sub);
      const subPath = `${item}/${sub}`;
      const shape = SUBRESOURCES[sub];
      if (shape) {
        const subGvk = shape.kind ?? gvk;
        const subDef = shape.kind ? defs.forKind(shape.kind, false) : def;
        const p = at(subPath, doc, [{ ...nameParam(shape.kind ? shape.kind.kind : K) }, ...nsParams, P.pretty]);
        for (const m of shape.ops) {
          if (m === 'get') {
            p.ops.push(op({ method: 'get', operationId: `read${gv}${ns}${K}${Sub}`, description: `read ${sub} of the specified ${K}`, action: 'get', gvk: subGvk, params: [], produces: JSON_YAML, responses: [ok(subDef), UNAUTHORIZED] }));
          } else if (m === 'put') {
            p.ops.push(
              op({
                method: 'put',
                operationId: `replace${gv}${ns}${K}${Sub}`,
                description: `replace ${sub} of the specified ${K}`,
                action: 'put',
                gvk: subGvk,
                params: writeParams(),
                body: { definition: subDef, required: true, types: ANY },
                produces: JSON_YAML,
                responses: [ok(subDef), created(subDef), UNAUTHORIZED],
              }),
            );
          } else if (m === 'patch') {
            p.ops.push(
              op({
                method: 'patch',
                operationId: `patch${gv}${ns}${K}${Sub}`,
                description: `partially update ${sub} of the specified ${K}`,
                action: 'patch',
                gvk: subGvk,
                params: writeParams([P.force]),
                body: { definition: `${META}.Patch`, required: true, types: patchTypes },
                produces: JSON_YAML,
                responses: [ok(subDef), created(subDef), UNAUTHORIZED],
              }),
            );
          } else {
            p.ops.push(
              op({
                method: 'post',
                operationId: `create${gv}${ns}${K}${Sub}`,
                description: `create ${sub} of ${article(K)} ${K}`,
                action: 'post',
                gvk: subGvk,
                params: writeParams(),
                body: { definition: subDef, required: true, types: ANY },
                produces: JSON_YAML,
                responses: [ok(subDef), created(subDef), accepted(subDef), UNAUTHORIZED],
              }),
            );
          }
        }
      } else if (sub === 'log') {
        at(subPath, doc, [nameParam(K), ...nsParams, P.pretty]).ops.push(
          op({
            method: 'get',
            operationId: `read${gv}${ns}${K}Log`,
            description: `read log of the specified ${K}`,
            action: 'get',
            params: LOG_PARAMS,
            produces: ['text/plain', 'application/json', 'application/yaml'],
            responses: [{ code: '200', description: 'OK', schema: { type: 'string' } }, UNAUTHORIZED],
          }),
        );
      } else if (CONNECT_PARAMS[sub]) {
        const methods: Method[] = sub === 'proxy' ? PROXY_METHODS : ['get', 'post'];
        // Upstream tags connect operations with the options kind (PodExecOptions, NodeProxyOptions).
        const options = `${K}${CONNECT_OPTIONS[sub]}`;
        const connect = (path: string, params: Param[], suffix: string): void => {
          const p = at(path, doc, params);
          for (const m of methods) {
            p.ops.push(
              op({
                method: m,
                operationId: `connect${gv}${capitalize(m)}${ns}${K}${Sub}${suffix}`,
                description: `connect ${m.toUpperCase()} requests to ${sub} of ${K}`,
                action: 'connect',
                gvk: { group: info.group, version: info.version, kind: options },
                params: [],
                produces: ['*/*'],
                responses: [{ code: '200', description: 'OK', schema: { type: 'string' } }, UNAUTHORIZED],
              }),
            );
          }
        };
        const name: Param = { ...nameParam(K), description: `name of the ${options}` };
        connect(subPath, [name, ...nsParams, ...CONNECT_PARAMS[sub]!], '');
        if (sub === 'proxy') {
          const path: Param = { name: 'path', in: 'path', type: 'string', required: true, description: 'path to the resource' };
          connect(`${subPath}/{path}`, [name, ...nsParams, path, ...CONNECT_PARAMS.proxy!], 'WithPath');
        }
      }
    }
  }

  return [...paths.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function article(kind: string): string {
  return /^[AEIOU]/.test(kind) ? 'an' : 'a';
}
