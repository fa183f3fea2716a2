// The in-tree plugins by name.

import { Registry } from '../framework/registry.ts';
import { BalancedAllocation, type BalancedAllocationArgs } from './balanced_allocation.ts';
import { DefaultBinder } from './default_binder.ts';
import { DefaultPreemption, type DefaultPreemptionArgs } from './default_preemption.ts';
import { ImageLocality } from './image_locality.ts';
import { InterPodAffinity, type InterPodAffinityArgs } from './inter_pod_affinity.ts';
import { Names } from './names.ts';
import { NodeAffinity, type NodeAffinityArgs } from './node_affinity.ts';
import { NodeName } from './node_name.ts';
import { NodePorts } from './node_ports.ts';
import { NodeResourcesFit, type NodeResourcesFitArgs } from './node_resources_fit.ts';
import { NodeUnschedulable } from './node_unschedulable.ts';
import { PodTopologySpread, type PodTopologySpreadArgs } from './pod_topology_spread.ts';
import { PrioritySort } from './priority_sort.ts';
import { SchedulingGates } from './scheduling_gates.ts';
import { TaintToleration } from './taint_toleration.ts';
import { VolumeBinding } from './volume_binding.ts';

export function inTreeRegistry(): Registry {
  return new Registry()
    .register(Names.PrioritySort, () => new PrioritySort())
    .register(Names.SchedulingGates, () => new SchedulingGates())
    .register(Names.NodeUnschedulable, () => new NodeUnschedulable())
    .register(Names.NodeName, () => new NodeName())
    .register(Names.NodePorts, () => new NodePorts())
    .register(Names.TaintToleration, (_args, h) => new TaintToleration(h))
    .register(Names.NodeAffinity, (args) => new NodeAffinity(args as NodeAffinityArgs))
    .register(Names.NodeResourcesFit, (args) => new NodeResourcesFit(args as NodeResourcesFitArgs))
    .register(Names.NodeResourcesBalancedAllocation, (args) => new BalancedAllocation(args as BalancedAllocationArgs))
    .register(Names.ImageLocality, (_args, h) => new ImageLocality(h))
    .register(Names.VolumeBinding, (args, h) => new VolumeBinding(h, Number((args as { bindTimeoutSeconds?: number } | undefined)?.bindTimeoutSeconds ?? 600)))
    .register(Names.PodTopologySpread, (args, h) => new PodTopologySpread(h, args as PodTopologySpreadArgs))
    .register(Names.InterPodAffinity, (args, h) => new InterPodAffinity(h, args as InterPodAffinityArgs))
    .register(Names.DefaultPreemption, (args, h) => new DefaultPreemption(h, args as DefaultPreemptionArgs))
    .register(Names.DefaultBinder, (_args, h) => new DefaultBinder(h));
}
