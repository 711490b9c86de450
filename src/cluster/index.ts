/** The lab cluster on NATS JetStream: the connection, names, a daemon's membership. */
export * from './connection.js';
export * from './member.js';
export * from './settings.js';
export * from './cluster-queue.js';
export * from './lab-queue.js';
export * from './queue-entry.js';
