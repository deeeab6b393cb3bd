export * from './topics.ts';
export * from './session.ts';
export * from './ack.ts';
export * from './device.ts';
export * from './api.ts';
export * from './validation.ts';
export * from './liveEvents.ts';
export * from './fleet.ts';
