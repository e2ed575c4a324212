/**
 * A Temporal.Duration (Fedify's ttl and delay options) in milliseconds. Calendar units
 * (weeks, months, years) need a starting point: they count from now, in UTC.
 */
export function durationMs(duration: Temporal.Duration): number {
  const { years, months, weeks } = duration;
  if (years === 0 && months === 0 && weeks === 0) return duration.total({ unit: 'millisecond' });
  const now = new Date().toISOString().replace('Z', '+00:00[UTC]');
  return duration.total({ unit: 'millisecond', relativeTo: now });
}
