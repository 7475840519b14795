import {
  StatusEvent,
  type StatusEventJSON,
  TaskEvent,
  type TaskEventJSON,
} from "../tracker/events.ts";

/** A status event rebuilt from its JSON (its timestamp kept). */
export function toStatusEvent(json: StatusEventJSON): StatusEvent {
  return new StatusEvent({
    itemId: json.itemId,
    stage: json.stage,
    status: json.status,
    worker: json.worker,
    timestamp: json.timestamp,
    metadata: json.metadata,
  });
}

/** A task event rebuilt from its JSON (its error an `Error` with the same name and message). */
export function toTaskEvent(json: TaskEventJSON): TaskEvent {
  let error: Error | undefined;
  if (json.error !== undefined) {
    error = new Error(json.error.message);
    error.name = json.error.name;
  }
  return new TaskEvent({
    itemId: json.itemId,
    stage: json.stage,
    taskName: json.taskName,
    worker: json.worker,
    eventType: json.eventType,
    attempt: json.attempt,
    timestamp: json.timestamp,
    error,
    duration: json.duration,
  });
}
