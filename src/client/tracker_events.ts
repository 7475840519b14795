import {
  StatusEvent,
  type StatusEventJSON,
  TaskEvent,
  type TaskEventJSON,
} from "../tracker/events.ts";

/** A status event rebuilt from its JSON (its timestamp kept). */
export function toStatusEvent(json: StatusEventJSON): StatusEvent {
  return new StatusEvent(
    json.itemId,
    json.stage,
    json.status,
    json.worker,
    json.timestamp,
    json.metadata,
  );
}

/** A task event rebuilt from its JSON (its error an `Error` with the same name and message). */
export function toTaskEvent(json: TaskEventJSON): TaskEvent {
  let error: Error | undefined;
  if (json.error !== undefined) {
    error = new Error(json.error.message);
    error.name = json.error.name;
  }
  return new TaskEvent(
    json.itemId,
    json.stage,
    json.taskName,
    json.worker,
    json.eventType,
    json.attempt,
    json.timestamp,
    error,
    json.duration,
  );
}
