// Times as Kubernetes writes them.

/** metav1.Time: RFC 3339 in whole seconds, UTC. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
