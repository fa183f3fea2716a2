// ServiceAccount: a pod runs as an account that exists (`default` unless it names one), gets
// the account's image pull secrets if it has none, and, unless automounting is turned off on
// the pod or the account, the projected `kube-api-access-*` volume (a bound token, the
// cluster CA and the namespace) mounted in every container, as upstream's plugin does.
import { StatusError } from '../../api/errors.ts';
import type { ResourceRegistry } from '../../api/registry.ts';
import { generateNameSuffix, type Obj, type ResourceStore } from '../rest.ts';
import { ROOT_CA_CONFIGMAP } from '../serviceaccounts.ts';
import { isPod, qualifiedName, type AdmissionAttributes, type AdmissionPlugin } from './index.ts';

export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
const VOLUME_PREFIX = 'kube-api-access-';
/** Upstream's default: an hour, plus 7 s so the kubelet's refresh is seen to happen before expiry. */
const TOKEN_SECONDS = 3607;
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

export function serviceAccount(rest: ResourceStore, registry: ResourceRegistry): AdmissionPlugin {
  const accounts = registry.get('', 'v1', 'serviceaccounts')!;
  return {
    name: 'ServiceAccount',
    async admit(a: AdmissionAttributes) {
      if (a.operation !== 'CREATE' || !isPod(a) || a.subresource || !a.object || !a.namespace) return;
      const pod = a.object;
      // Static pods mirrored by a kubelet carry no account.
      if (pod.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined) return;
      const spec: Obj = (pod.spec ??= {});
      const name: string = spec.serviceAccountName || spec.serviceAccount || 'default';
      spec.serviceAccountName = name;
      spec.serviceAccount = name;
      const sa = await rest.get(accounts, a.namespace, name).catch((err: unknown) => {
        if (err instanceof StatusError && err.code === 404) {
          throw new StatusError(
            403,
            'Forbidden',
            `${qualifiedName(a.info, pod.metadata?.name ?? pod.metadata?.generateName)} is forbidden: error looking up service account ${a.namespace}/${name}: serviceaccount "${name}" not found`,
            { name: pod.metadata?.name, kind: 'pods' },
          );
        }
        throw err;
      });
      if (!(spec.imagePullSecrets ?? []).length && (sa.imagePullSecrets ?? []).length) {
        spec.imagePullSecrets = sa.imagePullSecrets.map((r: Obj) => ({ name: r.name }));
      }
      const automount = typeof spec.automountServiceAccountToken === 'boolean' ? spec.automountServiceAccountToken : sa.automountServiceAccountToken !== false;
      if (automount) mountToken(spec);
    },
  };
}

function mountToken(spec: Obj): void {
  const volumes: Obj[] = (spec.volumes ??= []);
  let volume = volumes.find((v) => typeof v?.name === 'string' && v.name.startsWith(VOLUME_PREFIX))?.name as string | undefined;
  let used = false;
  for (const key of ['initContainers', 'containers'] as const) {
    for (const c of (spec[key] ?? []) as Obj[]) {
      if (!c || typeof c !== 'object') continue;
      const mounts: Obj[] = (c.volumeMounts ??= []);
      if (mounts.some((m) => m?.mountPath === TOKEN_MOUNT_PATH)) continue;
      volume ??= `${VOLUME_PREFIX}${generateNameSuffix()}`;
      mounts.push({ name: volume, readOnly: true, mountPath: TOKEN_MOUNT_PATH });
      used = true;
    }
  }
  if (!used || !volume || volumes.some((v) => v?.name === volume)) return;
  volumes.push({
    name: volume,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: TOKEN_SECONDS, path: 'token' } },
        { configMap: { name: ROOT_CA_CONFIGMAP, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  });
}
