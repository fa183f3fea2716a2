// The admin kubeconfig `kubelite up` writes for kubectl and helm.
import { stringify } from 'yaml';
import type { Pki } from './pki.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

export function kubeconfig(pki: Pki, serverUrl: string, name = 'kubelite'): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: serverUrl, 'certificate-authority-data': b64(pki.ca.cert) } }],
    users: [{ name: `${name}-admin`, user: { 'client-certificate-data': b64(pki.admin.cert), 'client-key-data': b64(pki.admin.key) } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: 'default' } }],
    'current-context': name,
    preferences: {},
  });
}
