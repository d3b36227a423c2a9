export { createAgentServer, type AgentServer, type AgentServerOptions, type CodeInterpreterOptions, type ListenTarget } from './agent-server.js';
export { agentConfigFrom, parseSandboxEnvs, type AgentMainConfig } from './agent-config.js';
export {
  createRouter,
  SERVICE_PORTS,
  type AgentServiceName,
  type RequestHandler,
  type Route,
  type RouteHandler,
  type RouteParams,
  type RouteTable,
  type ServiceAnswers,
} from './router.js';
export { agentRoutes, RPC_SERVICES, type AgentHandlers } from './routes.js';
export * from './errors.js';
