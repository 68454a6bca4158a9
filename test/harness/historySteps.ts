import type { temporal } from '@temporalio/proto';

/** How a run called its activities, read from its history: local-activity markers, and activity tasks scheduled. */
export function stepsInHistory(history: temporal.api.history.v1.IHistory): {
  localActivityMarkers: boolean;
  activityTasks: number;
} {
  const events = history.events ?? [];
  return {
    localActivityMarkers: events.some((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity'),
    activityTasks: events.filter((e) => e.activityTaskScheduledEventAttributes).length,
  };
}
