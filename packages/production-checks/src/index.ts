/**
 * Checks of the portal's production shape: real PostgreSQL and Redis
 * (Debian packages) on free loopback ports, the repo's backend run from
 * source as several replicas sharing them, and the upstreams they read.
 *
 * @packageDocumentation
 */
export * from './binaries';
export * from './postgres';
export * from './redis';
export * from './resp';
export * from './backendProcess';
export * from './taskAudit';
export * from './upstreams';
export * from './productionShape';
