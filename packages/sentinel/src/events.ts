/**
 * Sentinel events: published on the pub/sub channel named after the event (`+sdown`,
 * `+switch-master`, …) and logged, with Redis's payloads. An event about an instance starts
 * with "<type> <name> <ip> <port>", followed by "@ <master> <ip> <port>" for a replica or a
 * Sentinel.
 */
import type { Instance } from './instance.js';

/** Redis log levels; debug events are logged but never published. */
export type EventLevel = 'debug' | 'verbose' | 'notice' | 'warning';

/** The "%@" part of an event: who it is about. */
export function describeInstance(instance: Instance, addressOf: (instance: Instance) => string): string {
  const self = `${instance.kindName} ${instance.name} ${addressOf(instance)} ${instance.port}`;
  const master = instance.master;
  if (master === null) return self;
  return `${self} @ ${master.name} ${addressOf(master)} ${master.port}`;
}

export interface EventSink {
  publish(channel: string, message: string): void;
  log(level: EventLevel, type: string, message: string): void;
}

/** Publishes (unless it is a debug event) and logs one event. */
export function emitEvent(sink: EventSink, level: EventLevel, type: string, message: string): void {
  sink.log(level, type, message);
  if (level !== 'debug') sink.publish(type, message);
}
