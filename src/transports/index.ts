/**
 * Transports: how drivers reach instruments. Serial ports and TCP sockets as byte ports, line
 * framing with a command queue, timeouts and retries, and shared links that reconnect after a
 * cable pull. Drivers import this folder; nothing above the drivers does.
 */
export * from './byte-port.js';
export * from './endpoint.js';
export * from './line-channel.js';
export * from './link.js';
export * from './list-ports.js';
export * from './serial.js';
export * from './tcp.js';
export * from './traffic-log.js';
