import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Obj } from '../../apiserver/rest.ts';
import {
  checkPod,
  enforceNeedsPodCheck,
  isSignificantPodUpdate,
  namespaceChangeWarnings,
  namespaceLabelsError,
  podSpecOf,
  policyFromLabels,
  violationMessage,
  wouldViolateMessage,
  MAX_POLICY_VERSION,
  type LevelVersion,
  type NamespacePolicy,
  type Violation,
} from './index.ts';

const lv = (s: string): LevelVersion => {
  const [level, version] = s.split(':') as [LevelVersion['level'], string];
  return { level, version };
};

/** A spec that passes restricted:latest, which each case then breaks or bends. */
function compliant(): Obj {
  return {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      { name: 'app', image: 'nginx', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } },
    ],
  };
}

function app(spec: Obj): Obj {
  return spec.containers[0];
}

interface Case {
  name: string;
  at: string;
  edit: (spec: Obj, meta: Obj) => void;
  want: Violation[];
}

const cases: Case[] = [
  // hostNamespaces
  {
    name: 'hostNamespaces: all three',
    at: 'baseline:latest',
    edit: (s) => Object.assign(s, { hostNetwork: true, hostPID: true, hostIPC: true }),
    want: [{ reason: 'host namespaces', detail: 'hostIPC, hostNetwork, hostPID' }],
  },
  {
    name: 'hostNamespaces: false is fine',
    at: 'baseline:latest',
    edit: (s) => Object.assign(s, { hostNetwork: false, hostPID: false }),
    want: [],
  },
  // privileged
  {
    name: 'privileged: containers, init and ephemeral, in visiting order',
    at: 'baseline:latest',
    edit: (s) => {
      app(s).securityContext.privileged = true;
      s.initContainers = [{ name: 'init', securityContext: { privileged: true } }];
      s.ephemeralContainers = [{ name: 'debug', securityContext: { privileged: true } }];
    },
    want: [{ reason: 'privileged', detail: 'containers "init", "app", "debug" must not set securityContext.privileged=true' }],
  },
  {
    name: 'privileged: false is fine',
    at: 'baseline:latest',
    edit: (s) => (app(s).securityContext.privileged = false),
    want: [],
  },
  // capabilities_baseline
  {
    name: 'capabilities_baseline: non-default adds',
    at: 'baseline:latest',
    edit: (s) => {
      app(s).securityContext.capabilities.add = ['SYS_TIME', 'CHOWN', 'NET_ADMIN'];
      s.containers.push({ name: 'b', securityContext: { capabilities: { add: ['NET_ADMIN'] } } });
    },
    want: [
      {
        reason: 'non-default capabilities',
        detail: 'containers "app", "b" must not include "NET_ADMIN", "SYS_TIME" in securityContext.capabilities.add',
      },
    ],
  },
  {
    name: 'capabilities_baseline: default set is fine',
    at: 'baseline:latest',
    edit: (s) => (app(s).securityContext.capabilities.add = ['CHOWN', 'NET_BIND_SERVICE', 'KILL']),
    want: [],
  },
  // hostPathVolumes
  {
    name: 'hostPathVolumes',
    at: 'baseline:latest',
    edit: (s) => (s.volumes = [{ name: 'data', hostPath: { path: '/var' } }, { name: 'tmp', emptyDir: {} }]),
    want: [{ reason: 'hostPath volumes', detail: 'volume "data"' }],
  },
  {
    name: 'hostPathVolumes: other volumes are fine at baseline',
    at: 'baseline:latest',
    edit: (s) => (s.volumes = [{ name: 'share', nfs: { server: 'x', path: '/' } }]),
    want: [],
  },
  // hostPorts
  {
    name: 'hostPorts: ports sorted as strings',
    at: 'baseline:latest',
    edit: (s) => {
      app(s).ports = [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81, hostPort: 80 }];
      s.containers.push({ name: 'b', ports: [{ containerPort: 9, hostPort: 9 }, { containerPort: 1, hostPort: 0 }] });
    },
    want: [{ reason: 'hostPort', detail: 'containers "app", "b" use hostPorts 80, 8080, 9' }],
  },
  {
    name: 'hostPorts: one container, one port',
    at: 'baseline:latest',
    edit: (s) => (app(s).ports = [{ containerPort: 80, hostPort: 80 }]),
    want: [{ reason: 'hostPort', detail: 'container "app" uses hostPort 80' }],
  },
  {
    name: 'hostPorts: containerPort only is fine',
    at: 'baseline:latest',
    edit: (s) => (app(s).ports = [{ containerPort: 80 }, { containerPort: 81, hostPort: 0 }]),
    want: [],
  },
  // appArmorProfile
  {
    name: 'appArmorProfile: field and annotation',
    at: 'baseline:latest',
    edit: (s, m) => {
      s.securityContext.appArmorProfile = { type: 'Unconfined' };
      m.annotations = { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' };
    },
    want: [
      {
        reason: 'forbidden AppArmor profiles',
        detail:
          'pod and annotation must not set AppArmor profile type to "Unconfined", ' +
          '"container.apparmor.security.beta.kubernetes.io/app="unconfined""',
      },
    ],
  },
  {
    name: 'appArmorProfile: container field',
    at: 'baseline:latest',
    edit: (s) => (app(s).securityContext.appArmorProfile = { type: 'Unconfined' }),
    want: [{ reason: 'forbidden AppArmor profile', detail: 'container "app" must not set AppArmor profile type to "Unconfined"' }],
  },
  {
    name: 'appArmorProfile: runtime default and localhost are fine',
    at: 'baseline:latest',
    edit: (s, m) => {
      s.securityContext.appArmorProfile = { type: 'RuntimeDefault' };
      app(s).securityContext.appArmorProfile = { type: 'Localhost', localhostProfile: 'p' };
      m.annotations = { 'container.apparmor.security.beta.kubernetes.io/app': 'localhost/p' };
    },
    want: [],
  },
  // seLinuxOptions
  {
    name: 'seLinuxOptions: pod and container',
    at: 'baseline:latest',
    edit: (s) => {
      s.securityContext.seLinuxOptions = { type: 'foo', user: 'u' };
      app(s).securityContext.seLinuxOptions = { type: 'bar', role: 'r' };
    },
    want: [
      {
        reason: 'seLinuxOptions',
        detail:
          'pod and container "app" set forbidden securityContext.seLinuxOptions: types "bar", "foo"; user may not be set; role may not be set',
      },
    ],
  },
  {
    name: 'seLinuxOptions: user alone',
    at: 'baseline:latest',
    edit: (s) => (s.securityContext.seLinuxOptions = { user: 'u' }),
    want: [{ reason: 'seLinuxOptions', detail: 'pod set forbidden securityContext.seLinuxOptions: user may not be set' }],
  },
  {
    name: 'seLinuxOptions: container_engine_t allowed from 1.31',
    at: 'baseline:v1.31',
    edit: (s) => (app(s).securityContext.seLinuxOptions = { type: 'container_engine_t', level: 's0:c1' }),
    want: [],
  },
  {
    name: 'seLinuxOptions: container_engine_t forbidden before 1.31',
    at: 'baseline:v1.30',
    edit: (s) => (app(s).securityContext.seLinuxOptions = { type: 'container_engine_t' }),
    want: [
      { reason: 'seLinuxOptions', detail: 'container "app" set forbidden securityContext.seLinuxOptions: type "container_engine_t"' },
    ],
  },
  // procMount
  {
    name: 'procMount: unmasked',
    at: 'baseline:latest',
    edit: (s) => (app(s).securityContext.procMount = 'Unmasked'),
    want: [{ reason: 'procMount', detail: 'container "app" must not set securityContext.procMount to "Unmasked"' }],
  },
  {
    name: 'procMount: Default is fine',
    at: 'baseline:latest',
    edit: (s) => (app(s).securityContext.procMount = 'Default'),
    want: [],
  },
  {
    name: 'procMount: baseline allows unmasked in a user namespace from 1.35',
    at: 'baseline:v1.35',
    edit: (s) => {
      s.hostUsers = false;
      app(s).securityContext.procMount = 'Unmasked';
    },
    want: [],
  },
  {
    name: 'procMount: not before 1.35',
    at: 'baseline:v1.34',
    edit: (s) => {
      s.hostUsers = false;
      app(s).securityContext.procMount = 'Unmasked';
    },
    want: [{ reason: 'procMount', detail: 'container "app" must not set securityContext.procMount to "Unmasked"' }],
  },
  {
    name: 'procMount: restricted still forbids it in a user namespace',
    at: 'restricted:latest',
    edit: (s) => {
      s.hostUsers = false;
      app(s).securityContext.procMount = 'Unmasked';
    },
    want: [{ reason: 'procMount', detail: 'container "app" must not set securityContext.procMount to "Unmasked"' }],
  },
  // seccompProfile_baseline
  {
    name: 'seccompProfile_baseline: explicit Unconfined',
    at: 'baseline:latest',
    edit: (s) => (s.securityContext.seccompProfile = { type: 'Unconfined' }),
    want: [{ reason: 'seccompProfile', detail: 'pod must not set securityContext.seccompProfile.type to "Unconfined"' }],
  },
  {
    name: 'seccompProfile_baseline: unset is fine',
    at: 'baseline:latest',
    edit: (s) => delete s.securityContext.seccompProfile,
    want: [],
  },
  {
    name: 'seccompProfile_baseline: annotations before 1.19',
    at: 'baseline:v1.18',
    edit: (s, m) => {
      s.securityContext.seccompProfile = { type: 'Unconfined' };
      m.annotations = {
        'seccomp.security.alpha.kubernetes.io/pod': 'unconfined',
        'container.seccomp.security.alpha.kubernetes.io/app': 'runtime/default',
      };
    },
    want: [{ reason: 'seccompProfile', detail: 'forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined"' }],
  },
  // sysctls
  {
    name: 'sysctls: unsafe ones in spec order',
    at: 'baseline:latest',
    edit: (s) =>
      (s.securityContext.sysctls = [
        { name: 'net.core.somaxconn', value: '1' },
        { name: 'kernel.shm_rmid_forced', value: '1' },
        { name: 'kernel.msgmax', value: '1' },
      ]),
    want: [{ reason: 'forbidden sysctls', detail: 'net.core.somaxconn, kernel.msgmax' }],
  },
  {
    name: 'sysctls: tcp_rmem safe from 1.32',
    at: 'baseline:v1.32',
    edit: (s) => (s.securityContext.sysctls = [{ name: 'net.ipv4.tcp_rmem', value: '4096 87380 6291456' }]),
    want: [],
  },
  {
    name: 'sysctls: tcp_rmem not before 1.32',
    at: 'baseline:v1.31',
    edit: (s) => (s.securityContext.sysctls = [{ name: 'net.ipv4.tcp_rmem', value: '4096 87380 6291456' }]),
    want: [{ reason: 'forbidden sysctls', detail: 'net.ipv4.tcp_rmem' }],
  },
  {
    name: 'sysctls: keepalive safe from 1.29, reserved ports from 1.27',
    at: 'baseline:v1.29',
    edit: (s) =>
      (s.securityContext.sysctls = [
        { name: 'net.ipv4.tcp_keepalive_time', value: '1' },
        { name: 'net.ipv4.ip_local_reserved_ports', value: '1' },
      ]),
    want: [],
  },
  {
    name: 'sysctls: keepalive not at 1.28',
    at: 'baseline:v1.28',
    edit: (s) =>
      (s.securityContext.sysctls = [
        { name: 'net.ipv4.tcp_keepalive_time', value: '1' },
        { name: 'net.ipv4.ip_local_reserved_ports', value: '1' },
      ]),
    want: [{ reason: 'forbidden sysctls', detail: 'net.ipv4.tcp_keepalive_time' }],
  },
  // windowsHostProcess
  {
    name: 'windowsHostProcess: pod and container',
    at: 'baseline:latest',
    edit: (s) => {
      s.securityContext.windowsOptions = { hostProcess: true };
      app(s).securityContext.windowsOptions = { hostProcess: true };
    },
    want: [
      {
        reason: 'hostProcess',
        detail: 'pod and container "app" must not set securityContext.windowsOptions.hostProcess=true',
      },
    ],
  },
  {
    name: 'windowsHostProcess: false is fine',
    at: 'baseline:latest',
    edit: (s) => (app(s).securityContext.windowsOptions = { hostProcess: false }),
    want: [],
  },
  // hostProbesAndHostLifecycle
  {
    name: 'hostProbesAndHostLifecycle: probe and lifecycle hosts',
    at: 'baseline:latest',
    edit: (s) => {
      app(s).livenessProbe = { httpGet: { host: 'example.com', port: 80 } };
      app(s).lifecycle = { preStop: { tcpSocket: { host: '10.0.0.1', port: 80 } } };
      s.initContainers = [{ name: 'init', startupProbe: { tcpSocket: { host: 'example.com', port: 1 } } }];
    },
    want: [
      {
        reason: 'probe or lifecycle host',
        detail: 'containers "app", "init" use probe or lifecycle hosts "10.0.0.1", "example.com"',
      },
    ],
  },
  {
    name: 'hostProbesAndHostLifecycle: empty host is fine',
    at: 'baseline:latest',
    edit: (s) => (app(s).readinessProbe = { httpGet: { host: '', port: 80 } }),
    want: [],
  },
  {
    name: 'hostProbesAndHostLifecycle: not checked before 1.34',
    at: 'baseline:v1.33',
    edit: (s) => (app(s).livenessProbe = { httpGet: { host: 'example.com', port: 80 } }),
    want: [],
  },
  // allowPrivilegeEscalation
  {
    name: 'allowPrivilegeEscalation: unset and true',
    at: 'restricted:latest',
    edit: (s) => {
      delete app(s).securityContext.allowPrivilegeEscalation;
      s.containers.push({
        name: 'b',
        securityContext: { allowPrivilegeEscalation: true, capabilities: { drop: ['ALL'] } },
      });
    },
    want: [
      {
        reason: 'allowPrivilegeEscalation != false',
        detail: 'containers "app", "b" must set securityContext.allowPrivilegeEscalation=false',
      },
    ],
  },
  {
    name: 'allowPrivilegeEscalation: not checked before 1.8',
    at: 'restricted:v1.7',
    edit: (s) => delete app(s).securityContext.allowPrivilegeEscalation,
    want: [],
  },
  // capabilities_restricted
  {
    name: 'capabilities_restricted: replaces the baseline capabilities check',
    at: 'restricted:latest',
    edit: (s) => (app(s).securityContext.capabilities = { add: ['SYS_ADMIN', 'NET_BIND_SERVICE'] }),
    want: [
      {
        reason: 'unrestricted capabilities',
        detail:
          'container "app" must set securityContext.capabilities.drop=["ALL"]; ' +
          'container "app" must not include "SYS_ADMIN" in securityContext.capabilities.add',
      },
    ],
  },
  {
    name: 'capabilities_restricted: drop ALL and add NET_BIND_SERVICE is fine',
    at: 'restricted:latest',
    edit: (s) => (app(s).securityContext.capabilities = { drop: ['ALL'], add: ['NET_BIND_SERVICE'] }),
    want: [],
  },
  {
    name: 'capabilities_restricted: before 1.22 restricted uses the baseline check',
    at: 'restricted:v1.21',
    edit: (s) => (app(s).securityContext.capabilities = { add: ['SYS_ADMIN'] }),
    want: [
      {
        reason: 'non-default capabilities',
        detail: 'container "app" must not include "SYS_ADMIN" in securityContext.capabilities.add',
      },
    ],
  },
  // runAsNonRoot
  {
    name: 'runAsNonRoot: pod false',
    at: 'restricted:latest',
    edit: (s) => (s.securityContext.runAsNonRoot = false),
    want: [{ reason: 'runAsNonRoot != true', detail: 'pod must not set securityContext.runAsNonRoot=false' }],
  },
  {
    name: 'runAsNonRoot: container true without pod is fine',
    at: 'restricted:latest',
    edit: (s) => {
      delete s.securityContext.runAsNonRoot;
      app(s).securityContext.runAsNonRoot = true;
    },
    want: [],
  },
  {
    name: 'runAsNonRoot: skipped in a user namespace from 1.35',
    at: 'restricted:v1.35',
    edit: (s) => {
      s.hostUsers = false;
      s.securityContext.runAsNonRoot = false;
    },
    want: [],
  },
  {
    name: 'runAsNonRoot: not skipped before 1.35',
    at: 'restricted:v1.34',
    edit: (s) => {
      s.hostUsers = false;
      s.securityContext.runAsNonRoot = false;
    },
    want: [{ reason: 'runAsNonRoot != true', detail: 'pod must not set securityContext.runAsNonRoot=false' }],
  },
  // runAsUser
  {
    name: 'runAsUser: pod and container 0',
    at: 'restricted:latest',
    edit: (s) => {
      s.securityContext.runAsUser = 0;
      app(s).securityContext.runAsUser = 0;
    },
    want: [{ reason: 'runAsUser=0', detail: 'pod and container "app" must not set runAsUser=0' }],
  },
  {
    name: 'runAsUser: non-zero is fine',
    at: 'restricted:latest',
    edit: (s) => (s.securityContext.runAsUser = 1000),
    want: [],
  },
  {
    name: 'runAsUser: not checked before 1.23',
    at: 'restricted:v1.22',
    edit: (s) => (s.securityContext.runAsUser = 0),
    want: [],
  },
  // seccompProfile_restricted
  {
    name: 'seccompProfile_restricted: missing everywhere',
    at: 'restricted:latest',
    edit: (s) => delete s.securityContext.seccompProfile,
    want: [
      {
        reason: 'seccompProfile',
        detail: 'pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"',
      },
    ],
  },
  {
    name: 'seccompProfile_restricted: explicit bad container value',
    at: 'restricted:latest',
    edit: (s) => (app(s).securityContext.seccompProfile = { type: 'Unconfined' }),
    want: [
      { reason: 'seccompProfile', detail: 'container "app" must not set securityContext.seccompProfile.type to "Unconfined"' },
    ],
  },
  {
    name: 'seccompProfile_restricted: container-level Localhost is enough',
    at: 'restricted:latest',
    edit: (s) => {
      delete s.securityContext.seccompProfile;
      app(s).securityContext.seccompProfile = { type: 'Localhost', localhostProfile: 'p.json' };
    },
    want: [],
  },
  // restrictedVolumes
  {
    name: 'restrictedVolumes: replaces hostPathVolumes',
    at: 'restricted:latest',
    edit: (s) =>
      (s.volumes = [
        { name: 'a', hostPath: { path: '/' } },
        { name: 'b', nfs: { server: 's', path: '/' } },
        { name: 'c' },
        { name: 'd', configMap: { name: 'x' } },
      ]),
    want: [
      {
        reason: 'restricted volume types',
        detail: 'volumes "a", "b", "c" use restricted volume types "hostPath", "nfs", "unknown"',
      },
    ],
  },
  {
    name: 'restrictedVolumes: one volume',
    at: 'restricted:latest',
    edit: (s) => (s.volumes = [{ name: 'ceph', cephfs: { monitors: ['m'] } }]),
    want: [{ reason: 'restricted volume types', detail: 'volume "ceph" uses restricted volume type "cephfs"' }],
  },
  {
    name: 'restrictedVolumes: core volume types are fine',
    at: 'restricted:latest',
    edit: (s) =>
      (s.volumes = [
        { name: 'a', configMap: { name: 'x' } },
        { name: 'b', secret: { secretName: 'x' } },
        { name: 'c', emptyDir: {} },
        { name: 'd', persistentVolumeClaim: { claimName: 'x' } },
        { name: 'e', projected: { sources: [] } },
        { name: 'f', downwardAPI: {} },
        { name: 'g', csi: { driver: 'x' } },
        { name: 'h', ephemeral: {} },
        { name: 'i', image: { reference: 'x' } },
      ]),
    want: [],
  },
  // Windows pods
  {
    name: 'windows: restricted exempts Linux-only fields from 1.25',
    at: 'restricted:v1.25',
    edit: (s) => {
      s.os = { name: 'windows' };
      s.securityContext = { runAsNonRoot: true };
      s.containers = [{ name: 'app' }];
    },
    want: [],
  },
  {
    name: 'windows: not before 1.25',
    at: 'restricted:v1.24',
    edit: (s) => {
      s.os = { name: 'windows' };
      s.securityContext = { runAsNonRoot: true };
      s.containers = [{ name: 'app' }];
    },
    want: [
      {
        reason: 'allowPrivilegeEscalation != false',
        detail: 'container "app" must set securityContext.allowPrivilegeEscalation=false',
      },
      { reason: 'unrestricted capabilities', detail: 'container "app" must set securityContext.capabilities.drop=["ALL"]' },
      {
        reason: 'seccompProfile',
        detail: 'pod or container "app" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"',
      },
    ],
  },
  {
    name: 'windows: runAsNonRoot still applies',
    at: 'restricted:latest',
    edit: (s) => {
      s.os = { name: 'windows' };
      s.securityContext = {};
      s.containers = [{ name: 'app' }];
    },
    want: [{ reason: 'runAsNonRoot != true', detail: 'pod or container "app" must set securityContext.runAsNonRoot=true' }],
  },
];

for (const c of cases) {
  test(`check ${c.name} (${c.at})`, () => {
    const spec = compliant();
    const meta: Obj = { name: 'p' };
    c.edit(spec, meta);
    assert.deepEqual(checkPod(lv(c.at), meta, spec), c.want);
  });
}

test('the compliant pod passes every level and version', () => {
  for (const level of ['privileged', 'baseline', 'restricted'] as const) {
    for (const version of ['latest', 'v1.0', 'v1.19', 'v1.25', 'v1.30', 'v1.35', 'v1.99']) {
      assert.deepEqual(checkPod({ level, version }, {}, compliant()), [], `${level}:${version}`);
    }
  }
});

/** A pod breaking every baseline and restricted check at once. */
function worstPod(): { meta: Obj; spec: Obj } {
  return {
    meta: { annotations: { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' } },
    spec: {
      hostNetwork: true,
      volumes: [{ name: 'root', hostPath: { path: '/' } }],
      securityContext: {
        runAsUser: 0,
        seLinuxOptions: { type: 'spc_t' },
        sysctls: [{ name: 'kernel.msgmax', value: '1' }],
        seccompProfile: { type: 'Unconfined' },
        windowsOptions: { hostProcess: true },
      },
      containers: [
        {
          name: 'app',
          ports: [{ containerPort: 1, hostPort: 1 }],
          livenessProbe: { httpGet: { host: 'h', port: 1 } },
          securityContext: { privileged: true, procMount: 'Unmasked', capabilities: { add: ['SYS_ADMIN'] } },
        },
      ],
    },
  };
}

test('privileged allows everything', () => {
  const { meta, spec } = worstPod();
  assert.deepEqual(checkPod(lv('privileged:latest'), meta, spec), []);
  assert.deepEqual(checkPod(lv('privileged:v1.0'), meta, spec), []);
});

test('baseline reports every baseline check, in upstream order', () => {
  const { meta, spec } = worstPod();
  assert.deepEqual(
    checkPod(lv('baseline:latest'), meta, spec).map((v) => v.reason),
    [
      'forbidden AppArmor profile',
      'non-default capabilities',
      'host namespaces',
      'hostPath volumes',
      'hostPort',
      'probe or lifecycle host',
      'privileged',
      'procMount',
      'seLinuxOptions',
      'seccompProfile',
      'forbidden sysctls',
      'hostProcess',
    ],
  );
});

test('restricted includes baseline, minus the checks it tightens, then its own', () => {
  const { meta, spec } = worstPod();
  const reasons = checkPod(lv('restricted:latest'), meta, spec).map((v) => v.reason);
  assert.deepEqual(reasons, [
    'forbidden AppArmor profile',
    'host namespaces',
    'hostPort',
    'probe or lifecycle host',
    'privileged',
    'seLinuxOptions',
    'forbidden sysctls',
    'hostProcess',
    'allowPrivilegeEscalation != false',
    'unrestricted capabilities',
    'procMount',
    'restricted volume types',
    'runAsNonRoot != true',
    'runAsUser=0',
    'seccompProfile',
  ]);
  // Every baseline reason is still there (restricted's versions replace the overlapping ones).
  const baseline = checkPod(lv('baseline:latest'), meta, spec).map((v) => v.reason);
  for (const r of baseline.filter((r) => !['non-default capabilities', 'hostPath volumes'].includes(r))) {
    assert.ok(reasons.includes(r), r);
  }
});

test('a version newer than latest, and an unreadable one, evaluate as latest', () => {
  const { meta, spec } = worstPod();
  const latest = checkPod(lv('restricted:latest'), meta, spec);
  assert.deepEqual(checkPod(lv('restricted:v1.99'), meta, spec), latest);
  assert.deepEqual(checkPod(lv(`restricted:v1.${MAX_POLICY_VERSION}`), meta, spec), latest);
  assert.deepEqual(checkPod(lv('restricted:bogus'), meta, spec), latest);
  assert.equal(MAX_POLICY_VERSION, 35);
});

test('missing metadata and spec evaluate as empty', () => {
  assert.deepEqual(checkPod(lv('restricted:latest'), undefined, undefined), []);
});

test('message for a typical nginx pod under restricted:latest', () => {
  const spec = { containers: [{ name: 'nginx', image: 'nginx' }] };
  const l = lv('restricted:latest');
  assert.equal(
    violationMessage(l, checkPod(l, { name: 'nginx' }, spec)),
    'violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  );
});

test('messages name the level and version as labelled, and aggregate in check order', () => {
  const spec = { hostPID: true, containers: [{ name: 'a', securityContext: { privileged: true } }, { name: 'b' }] };
  const l = lv('baseline:v1.99');
  assert.equal(
    violationMessage(l, checkPod(l, {}, spec)),
    'violates PodSecurity "baseline:v1.99": host namespaces (hostPID), privileged (container "a" must not set securityContext.privileged=true)',
  );
  assert.equal(
    wouldViolateMessage(lv('baseline:latest'), [{ reason: 'hostPort', detail: '' }]),
    'would violate PodSecurity "baseline:latest": hostPort',
  );
});

const labelCases: {
  name: string;
  labels: Record<string, string> | undefined;
  policy: NamespacePolicy;
  errors: string[];
}[] = [
  {
    name: 'no labels',
    labels: undefined,
    policy: {
      enforce: lv('privileged:latest'),
      audit: lv('privileged:latest'),
      warn: lv('privileged:latest'),
    },
    errors: [],
  },
  {
    name: 'all modes',
    labels: {
      'pod-security.kubernetes.io/enforce': 'baseline',
      'pod-security.kubernetes.io/enforce-version': 'v1.30',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/warn-version': 'latest',
      app: 'x',
    },
    policy: {
      enforce: lv('baseline:v1.30'),
      audit: lv('restricted:latest'),
      warn: lv('restricted:latest'),
    },
    errors: [],
  },
  {
    name: 'bad enforce level fails closed, bad audit and warn fail open',
    labels: {
      'pod-security.kubernetes.io/enforce': 'strict',
      'pod-security.kubernetes.io/audit': 'Baseline',
      'pod-security.kubernetes.io/warn': '',
    },
    policy: {
      enforce: lv('restricted:latest'),
      audit: lv('privileged:latest'),
      warn: lv('privileged:latest'),
    },
    errors: [
      'metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted',
      'metadata.labels[pod-security.kubernetes.io/audit]: Invalid value: "Baseline": must be one of privileged, baseline, restricted',
      'metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: "": must be one of privileged, baseline, restricted',
    ],
  },
  {
    name: 'bad versions fall back to latest',
    labels: {
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'v1.05',
      'pod-security.kubernetes.io/audit-version': 'v2.0',
      'pod-security.kubernetes.io/warn-version': '1.25',
    },
    policy: {
      enforce: lv('restricted:latest'),
      audit: lv('privileged:latest'),
      warn: lv('privileged:latest'),
    },
    errors: [
      'metadata.labels[pod-security.kubernetes.io/enforce-version]: Invalid value: "v1.05": must be "latest" or "v1.x"',
      'metadata.labels[pod-security.kubernetes.io/audit-version]: Invalid value: "v2.0": must be "latest" or "v1.x"',
      'metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: "1.25": must be "latest" or "v1.x"',
    ],
  },
  {
    name: 'future and zero versions are valid',
    labels: {
      'pod-security.kubernetes.io/enforce-version': 'v1.99',
      'pod-security.kubernetes.io/warn-version': 'v1.0',
    },
    policy: {
      enforce: lv('privileged:v1.99'),
      audit: lv('privileged:latest'),
      warn: lv('privileged:v1.0'),
    },
    errors: [],
  },
];

for (const c of labelCases) {
  test(`labels: ${c.name}`, () => {
    assert.deepEqual(policyFromLabels(c.labels), { policy: c.policy, errors: c.errors });
  });
}

test('a namespace with bad labels is rejected with upstream Invalid status', () => {
  const one = namespaceLabelsError('team', { 'pod-security.kubernetes.io/enforce': 'strict' });
  assert.ok(one);
  assert.equal(one.code, 422);
  assert.equal(one.reason, 'Invalid');
  assert.equal(
    one.message,
    'Namespace "team" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted',
  );
  assert.deepEqual(one.details, {
    name: 'team',
    kind: 'Namespace',
    causes: [
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "strict": must be one of privileged, baseline, restricted',
        field: 'metadata.labels[pod-security.kubernetes.io/enforce]',
      },
    ],
  });
  const two = namespaceLabelsError('team', {
    'pod-security.kubernetes.io/enforce': 'strict',
    'pod-security.kubernetes.io/enforce-version': 'x',
  });
  assert.equal(
    two?.message,
    'Namespace "team" is invalid: [metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted, metadata.labels[pod-security.kubernetes.io/enforce-version]: Invalid value: "x": must be "latest" or "v1.x"]',
  );
  assert.equal(namespaceLabelsError('team', { 'pod-security.kubernetes.io/enforce': 'baseline' }), undefined);
  // An update that leaves already-bad labels as they were is not blocked; one that changes them is.
  const bad = { 'pod-security.kubernetes.io/enforce': 'strict', other: 'a' };
  assert.equal(namespaceLabelsError('team', { ...bad, other: 'b' }, bad), undefined);
  assert.ok(namespaceLabelsError('team', { 'pod-security.kubernetes.io/enforce': 'stricter' }, bad));
  assert.ok(namespaceLabelsError('team', bad, {}));
});

const tmpl = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c' }] } };
const podSpecCases: { group: string; kind: string; obj: Obj; want: ReturnType<typeof podSpecOf> }[] = [
  { group: '', kind: 'Pod', obj: { metadata: { name: 'p' }, spec: tmpl.spec }, want: { metadata: { name: 'p' }, spec: tmpl.spec } },
  { group: '', kind: 'PodTemplate', obj: { metadata: { name: 't' }, template: tmpl }, want: tmpl },
  { group: '', kind: 'ReplicationController', obj: { spec: { replicas: 1, template: tmpl } }, want: tmpl },
  { group: '', kind: 'ReplicationController', obj: { spec: { replicas: 1 } }, want: { metadata: undefined, spec: undefined } },
  { group: 'apps', kind: 'Deployment', obj: { spec: { template: tmpl } }, want: tmpl },
  { group: 'apps', kind: 'ReplicaSet', obj: { spec: { template: tmpl } }, want: tmpl },
  { group: 'apps', kind: 'StatefulSet', obj: { spec: { template: tmpl } }, want: tmpl },
  { group: 'apps', kind: 'DaemonSet', obj: { spec: { template: tmpl } }, want: tmpl },
  { group: 'batch', kind: 'Job', obj: { spec: { template: tmpl } }, want: tmpl },
  { group: 'batch', kind: 'CronJob', obj: { spec: { jobTemplate: { spec: { template: tmpl } } } }, want: tmpl },
  { group: '', kind: 'Service', obj: { spec: { template: tmpl } }, want: undefined },
  { group: '', kind: 'Deployment', obj: { spec: { template: tmpl } }, want: undefined },
  { group: 'apps', kind: 'ControllerRevision', obj: { data: {} }, want: undefined },
];

for (const c of podSpecCases) {
  test(`podSpecOf ${c.group || 'core'}/${c.kind}`, () => {
    assert.deepEqual(podSpecOf(c.group, c.kind, c.obj), c.want);
  });
}

function pod(name: string, spec: Obj, controllerUID?: string): Obj {
  const metadata: Obj = { name, namespace: 'team' };
  if (controllerUID) metadata.ownerReferences = [{ kind: 'ReplicaSet', name: 'rs', uid: controllerUID, controller: true }];
  return { metadata, spec };
}
const privilegedSpec = { containers: [{ name: 'c', securityContext: { privileged: true } }] };
const hostNetSpec = { hostNetwork: true, containers: [{ name: 'c' }] };
const bothSpec = { hostNetwork: true, containers: [{ name: 'c', securityContext: { privileged: true } }] };
const fineSpec = { containers: [{ name: 'c' }] };

const warningCases: { name: string; at: string; pods: Obj[]; max?: number; want: string[] }[] = [
  {
    name: 'grouped by violated checks, first pod name, sorted',
    at: 'baseline:latest',
    pods: [
      pod('web-2', privilegedSpec),
      pod('web-1', privilegedSpec),
      pod('db', hostNetSpec),
      pod('zz', bothSpec),
      pod('ok', fineSpec),
    ],
    want: [
      'existing pods in namespace "team" violate the new PodSecurity enforce level "baseline:latest"',
      'db: host namespaces',
      'web-1 (and 1 other pod): privileged',
      'zz: host namespaces, privileged',
    ],
  },
  {
    name: 'counts more than two',
    at: 'restricted:v1.30',
    pods: [pod('c', fineSpec), pod('a', fineSpec), pod('b', fineSpec)],
    want: [
      'existing pods in namespace "team" violate the new PodSecurity enforce level "restricted:v1.30"',
      'a (and 2 other pods): allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile',
    ],
  },
  {
    name: 'nothing when every pod complies',
    at: 'baseline:latest',
    pods: [pod('ok', fineSpec), pod('ok2', { ...fineSpec, hostNetwork: false })],
    want: [],
  },
  {
    name: 'one pod per controller first, then the cap',
    at: 'baseline:latest',
    max: 2,
    pods: [pod('rs-1', privilegedSpec, 'u1'), pod('rs-2', privilegedSpec, 'u1'), pod('solo', hostNetSpec)],
    want: [
      'new PodSecurity enforce level only checked against the first 2 of 3 existing pods',
      'existing pods in namespace "team" violate the new PodSecurity enforce level "baseline:latest"',
      'rs-1: privileged',
      'solo: host namespaces',
    ],
  },
];

for (const c of warningCases) {
  test(`namespaceChangeWarnings: ${c.name}`, () => {
    assert.deepEqual(namespaceChangeWarnings('team', lv(c.at), c.pods, c.max), c.want);
  });
}

test('namespaceChangeWarnings checks at most 3000 pods by default', () => {
  const pods = Array.from({ length: 3001 }, (_, i) => pod(`p${i}`, fineSpec));
  assert.deepEqual(namespaceChangeWarnings('team', lv('baseline:latest'), pods), [
    'new PodSecurity enforce level only checked against the first 3000 of 3001 existing pods',
  ]);
});

const policy = (enforce: string): NamespacePolicy => ({
  enforce: lv(enforce),
  audit: lv('privileged:latest'),
  warn: lv('privileged:latest'),
});
const enforceCases: [string, string, boolean][] = [
  ['privileged:latest', 'restricted:latest', true],
  ['restricted:latest', 'restricted:latest', false],
  ['restricted:latest', 'privileged:latest', false],
  ['restricted:latest', 'baseline:latest', false],
  ['restricted:v1.30', 'baseline:latest', true],
  ['baseline:latest', 'baseline:v1.30', true],
];
for (const [from, to, want] of enforceCases) {
  test(`enforceNeedsPodCheck ${from} -> ${to}`, () => {
    assert.equal(enforceNeedsPodCheck(policy(from), policy(to)), want);
  });
}

test('isSignificantPodUpdate: only what the checks can see', () => {
  const base = (): Obj => ({
    metadata: { name: 'p', labels: { a: '1' }, annotations: {} },
    spec: {
      containers: [{ name: 'c', image: 'nginx:1' }],
      initContainers: [{ name: 'i', image: 'busybox' }],
      ephemeralContainers: [{ name: 'e', image: 'busybox' }],
    },
    status: { phase: 'Pending' },
  });
  const changed = (edit: (p: Obj) => void): boolean => {
    const p = base();
    edit(p);
    return isSignificantPodUpdate(p, base());
  };
  assert.equal(changed(() => {}), false);
  assert.equal(changed((p) => (p.metadata.labels = { a: '2' })), false);
  assert.equal(changed((p) => (p.status.phase = 'Running')), false);
  assert.equal(changed((p) => (p.spec.containers[0].image = 'nginx:2')), true);
  assert.equal(changed((p) => (p.spec.initContainers[0].image = 'alpine')), true);
  assert.equal(changed((p) => p.spec.ephemeralContainers.push({ name: 'e2', image: 'x' })), true);
  assert.equal(changed((p) => (p.metadata.annotations['seccomp.security.alpha.kubernetes.io/pod'] = 'unconfined')), true);
  assert.equal(
    changed((p) => (p.metadata.annotations['container.seccomp.security.alpha.kubernetes.io/c'] = 'unconfined')),
    true,
  );
});
