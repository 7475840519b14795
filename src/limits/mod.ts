/**
 * Async helpers built on web standards: {@linkcode delay}, {@linkcode backoffDelay},
 * {@linkcode Semaphore} and {@linkcode RateLimiter}.
 *
 * @module
 */
export { delay, type DelayOptions } from "./delay.ts";
export { backoffDelay, type BackoffFn, type BackoffOptions } from "./backoff.ts";
export { type AcquireOptions, type Release, Semaphore } from "./semaphore.ts";
export { RateLimiter, type RateLimitOptions } from "./rate_limiter.ts";
