// The stages simulated nodes play unless told otherwise, after KWOK's defaults: a node becomes
// Ready with its capacity allocatable; a pod bound to it starts running (every container ready),
// a Job's pod then succeeds, and a pod being deleted goes away once its grace period is over.
import type { Stage } from './stages.ts';

const runningContainer = {
  name: '{{ .item.name }}',
  image: '{{ .item.image }}',
  imageID: 'sim://{{ .item.image }}',
  containerID: 'sim://{{ .metadata.uid }}/{{ .item.name }}',
  ready: true,
  started: true,
  restartCount: 0,
  state: { running: { startedAt: '{{ now }}' } },
};

export function defaultStages(opts: { podReadyMs?: number; jobCompleteMs?: number } = {}): Stage[] {
  return [
    {
      name: 'node-initialize',
      kind: 'Node',
      selector: { matchExpressions: [{ key: '.status.nodeInfo.kubeletVersion', operator: 'DoesNotExist' }] },
      next: {
        statusTemplate: {
          phase: 'Running',
          allocatable: '{{ .status.capacity }}',
          addresses: [
            { type: 'InternalIP', address: '{{ nodeIP }}' },
            { type: 'Hostname', address: '{{ .metadata.name }}' },
          ],
          daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
          nodeInfo: {
            architecture: 'amd64',
            operatingSystem: 'linux',
            kubeletVersion: 'v1.35.0-kubelite-sim',
            kubeProxyVersion: 'v1.35.0-kubelite-sim',
            containerRuntimeVersion: 'sim://1.0',
            kernelVersion: 'sim',
            osImage: 'kubelite simulated node',
            machineID: '{{ .metadata.uid }}',
            systemUUID: '{{ .metadata.uid }}',
            bootID: '{{ .metadata.uid }}',
          },
          conditions: [
            { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available', lastHeartbeatTime: '{{ now }}', lastTransitionTime: '{{ now }}' },
            { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure', lastHeartbeatTime: '{{ now }}', lastTransitionTime: '{{ now }}' },
            { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available', lastHeartbeatTime: '{{ now }}', lastTransitionTime: '{{ now }}' },
            { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: '{{ now }}', lastTransitionTime: '{{ now }}' },
          ],
        },
      },
    },
    {
      name: 'pod-ready',
      kind: 'Pod',
      selector: {
        matchExpressions: [
          { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' },
          { key: '.status.podIP', operator: 'DoesNotExist' },
        ],
      },
      delay: { durationMilliseconds: opts.podReadyMs ?? 0, jitterDurationMilliseconds: opts.podReadyMs ?? 0 },
      next: {
        statusTemplate: {
          phase: 'Running',
          hostIP: '{{ nodeIP }}',
          hostIPs: [{ ip: '{{ nodeIP }}' }],
          podIP: '{{ podIP }}',
          podIPs: [{ ip: '{{ podIP }}' }],
          startTime: '{{ now }}',
          qosClass: '{{ .status.qosClass }}',
          conditions: [
            { type: 'PodReadyToStartContainers', status: 'True', lastTransitionTime: '{{ now }}' },
            { type: 'Initialized', status: 'True', lastTransitionTime: '{{ now }}' },
            { type: 'Ready', status: 'True', lastTransitionTime: '{{ now }}' },
            { type: 'ContainersReady', status: 'True', lastTransitionTime: '{{ now }}' },
            { type: 'PodScheduled', status: 'True', lastTransitionTime: '{{ .metadata.creationTimestamp }}' },
          ],
          'containerStatuses[]': { from: '.spec.containers', item: runningContainer },
        },
        event: { type: 'Normal', reason: 'Started', message: 'Started simulated containers' },
      },
    },
    {
      name: 'pod-complete',
      kind: 'Pod',
      selector: {
        matchExpressions: [
          { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' },
          { key: '.status.phase', operator: 'In', values: ['Running'] },
          { key: '.metadata.ownerReferences[0].kind', operator: 'In', values: ['Job'] },
        ],
      },
      delay: { durationMilliseconds: opts.jobCompleteMs ?? 0, jitterDurationMilliseconds: opts.jobCompleteMs ?? 0 },
      next: {
        statusTemplate: {
          phase: 'Succeeded',
          conditions: [
            { type: 'PodReadyToStartContainers', status: 'False', lastTransitionTime: '{{ now }}' },
            { type: 'Initialized', status: 'True', reason: 'PodCompleted', lastTransitionTime: '{{ now }}' },
            { type: 'Ready', status: 'False', reason: 'PodCompleted', lastTransitionTime: '{{ now }}' },
            { type: 'ContainersReady', status: 'False', reason: 'PodCompleted', lastTransitionTime: '{{ now }}' },
            { type: 'PodScheduled', status: 'True', lastTransitionTime: '{{ .metadata.creationTimestamp }}' },
          ],
          'containerStatuses[]': {
            from: '.spec.containers',
            item: {
              name: '{{ .item.name }}',
              image: '{{ .item.image }}',
              imageID: 'sim://{{ .item.image }}',
              containerID: 'sim://{{ .metadata.uid }}/{{ .item.name }}',
              ready: false,
              started: false,
              restartCount: 0,
              state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: '{{ .status.startTime }}', finishedAt: '{{ now }}' } },
            },
          },
        },
      },
    },
    {
      name: 'pod-delete',
      kind: 'Pod',
      selector: { matchExpressions: [{ key: '.metadata.deletionTimestamp', operator: 'Exists' }] },
      // Upstream's kubelet stops the containers within the grace period; a simulated one at once.
      next: { finalizers: { empty: true }, delete: true },
    },
  ];
}
