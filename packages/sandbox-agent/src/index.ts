export { createAgentServer, type AgentServer, type AgentServerOptions, type CodeInterpreterOptions, type ListenTarget } from './agent-server.js';
export { agentConfigFrom, parseSandboxEnvs, type AgentMainConfig } from './agent-config.js';
export { createRouter, type RequestHandler, type ServiceRoutes } from './router.js';
export * from './errors.js';
