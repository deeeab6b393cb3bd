/** The mirror's agent and its parts, for the appliance's start command, benches and tests. */
export { startAgent, type StartAgentOptions } from './agent/startAgent.ts';
export { createAgent, APP_VERSION, type Agent, type AgentDeps } from './agent/agent.ts';
export { loadConfig, configDocs, CONFIG_KEYS, ConfigError, type AgentConfig } from './agent/config.ts';
export { createSimulatedAthlete, type SimulatedAthleteOptions } from './agent/simulatedAthlete.ts';
export { realCoach } from './agent/sessionTracker.ts';
export type { Coach, CoachFactory, PoseFrame, PoseSource } from './agent/ports.ts';
export { openSqliteOutbox, createDrainer, DEFAULT_DISK_POLICY, type OutboxStore, type DiskPolicy } from './outbox/index.ts';
export { createLink, readCredentials, CredentialsError, type Link } from './link/index.ts';
