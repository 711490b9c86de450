/**
 * Wire-level simulation: the base of instrument simulators, and serving them on a PTY (made by
 * socat) or TCP so that the real drivers talk to them. The instruments' simulators sit beside
 * their drivers (`src/drivers/<name>/simulator.ts`).
 */
export * from './line-simulator.js';
export * from './pty-pair.js';
export * from './serve.js';
