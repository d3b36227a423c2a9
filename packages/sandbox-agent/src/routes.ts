import { Filesystem, Process } from '@codebox/protocol';
import type { DescService } from '@bufbuild/protobuf';
import type { filesHandler } from './handlers/files-handler.js';
import type { handoverHandler } from './handlers/handover-handler.js';
import type { interpreterHandler } from './handlers/interpreter-handler.js';
import type { systemHandler } from './handlers/system-handler.js';
import type { Route, RouteHandler, RouteTable, ServiceAnswers } from './router.js';

/** The handlers the table points at; `agent-server.ts` builds them on the services. */
export interface AgentHandlers {
  /** Connect-RPC `process.Process` and `filesystem.Filesystem` (one adapter serves both). */
  readonly rpc: RouteHandler;
  readonly files: ReturnType<typeof filesHandler>;
  readonly system: ReturnType<typeof systemHandler>;
  readonly envd: ServiceAnswers;
  /** Pooled agents only: the runner's one hand-over call, and its wait for the sandbox to be warm. */
  readonly handover?: ReturnType<typeof handoverHandler>;
  /** Absent when the code interpreter does not run (`codeInterpreter: false`, or no user for its kernels). */
  readonly interpreter?: ReturnType<typeof interpreterHandler>;
  /** Every other port: the relay to the user's server on it. */
  readonly userPorts?: RouteTable['userPorts'];
}

/** The services whose every method is one Connect-RPC route `/<package.Service>/<Method>`. */
export const RPC_SERVICES: readonly DescService[] = [Process, Filesystem];

/**
 * Every route the agent serves, in one table. The service is picked by `E2b-Sandbox-Port`
 * (`router.ts`); the wire formats are `@codebox/protocol`'s. Adding a route means adding a row here
 * and a handler in `handlers/`; a handler calls services, never another handler.
 */
export function agentRoutes(handlers: AgentHandlers): RouteTable {
  const { rpc, files, system, interpreter } = handlers;
  const routes: Route[] = [
    // envd (49983, or no port header): E2B's in-sandbox daemon.
    ...RPC_SERVICES.flatMap((service) =>
      // The Connect adapter answers a method it does not allow itself (as envd does), so every method goes to it.
      service.methods.map((method): Route => ({ service: 'envd', method: '*', path: `/${service.typeName}/${method.name}`, handle: rpc })),
    ),
    { service: 'envd', method: 'GET', path: '/files', handle: files.download },
    { service: 'envd', method: 'POST', path: '/files', handle: files.upload },
    { service: 'envd', method: '*', path: '/files', handle: files.methodNotAllowed },
    { service: 'envd', method: 'GET', path: '/health', handle: system.health },
    { service: 'envd', method: 'GET', path: '/envs', handle: system.envs },
  ];
  const { handover } = handlers;
  if (handover) {
    routes.push(
      { service: 'envd', method: 'POST', path: '/init', handle: (request, response) => handover.init(request, response) },
      { service: 'envd', method: 'GET', path: '/init', handle: (request, response) => handover.warm(request, response) },
    );
  }
  if (interpreter) {
    // The code interpreter (49999): E2B's code-interpreter server.
    routes.push(
      { service: 'interpreter', method: 'GET', path: '/health', handle: interpreter.health },
      { service: 'interpreter', method: 'POST', path: '/execute', handle: interpreter.execute },
      { service: 'interpreter', method: 'GET', path: '/contexts', handle: interpreter.listContexts },
      { service: 'interpreter', method: 'POST', path: '/contexts', handle: interpreter.createContext },
      { service: 'interpreter', method: 'POST', path: '/contexts/:id/restart', handle: interpreter.restartContext },
      { service: 'interpreter', method: 'DELETE', path: '/contexts/:id', handle: interpreter.deleteContext },
    );
  }
  return {
    services: { envd: handlers.envd, ...(interpreter ? { interpreter: interpreter.answers } : {}) },
    routes,
    ...(handlers.userPorts ? { userPorts: handlers.userPorts } : {}),
  };
}
