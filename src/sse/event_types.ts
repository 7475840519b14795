/**
 * The tracker event types that travel over Server-Sent Events, as the `event:` field: the
 * `StatusTracker`'s CustomEvent names minus `error` (which describes server internals and is never
 * sent). The item events (`status`, task events) come first, then the run lifecycle events. Shared
 * by the server (`@antflow/antflow/hono`) and the client (`@antflow/antflow/client`).
 *
 * @internal
 */
export const SSE_EVENT_TYPES = [
  "status",
  "taskstart",
  "taskcomplete",
  "taskretry",
  "taskfail",
  "runstart",
  "runend",
] as const;
