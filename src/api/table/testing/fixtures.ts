// Shared fixtures for the table tests.

export const NOW = new Date('2025-06-01T12:00:00Z');

/** An RFC 3339 timestamp `seconds` before NOW. */
export function ago(seconds: number): string {
  return new Date(NOW.getTime() - seconds * 1000).toISOString().replace('.000Z', 'Z');
}

export const MIN = 60;
export const HOUR = 3600;
export const DAY = 86400;

export function metadata(name: string, createdSecondsAgo: number, extra: Record<string, unknown> = {}) {
  return { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '100', creationTimestamp: ago(createdSecondsAgo), ...extra };
}
