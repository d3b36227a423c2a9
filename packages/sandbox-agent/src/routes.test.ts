import { describe, expect, it } from 'vitest';
import type { ServiceAnswers } from './router.js';
import { agentRoutes, RPC_SERVICES, type AgentHandlers } from './routes.js';

const noop = (): void => undefined;
const answers: ServiceAnswers = { notFound: noop, fail: noop };
const handlers: AgentHandlers = {
  rpc: noop,
  files: { download: async () => undefined, upload: async () => undefined, methodNotAllowed: noop },
  system: { health: noop, envs: noop },
  envd: answers,
};
const interpreter = {
  answers,
  health: noop,
  execute: async () => undefined,
  listContexts: noop,
  createContext: async () => undefined,
  restartContext: async () => undefined,
  deleteContext: async () => undefined,
} as unknown as NonNullable<AgentHandlers['interpreter']>;

const rows = (table: ReturnType<typeof agentRoutes>) => table.routes.map((r) => `${r.service} ${r.method} ${r.path}`);

describe('agentRoutes', () => {
  it('lists E2B envd and code-interpreter routes once each', () => {
    const table = agentRoutes({ ...handlers, interpreter });
    const listed = rows(table);
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed).toEqual(
      expect.arrayContaining([
        'envd * /process.Process/Start',
        'envd * /process.Process/Connect',
        'envd * /filesystem.Filesystem/WatchDir',
        'envd GET /files',
        'envd POST /files',
        'envd * /files',
        'envd GET /health',
        'envd GET /envs',
        'interpreter GET /health',
        'interpreter POST /execute',
        'interpreter GET /contexts',
        'interpreter POST /contexts',
        'interpreter POST /contexts/:id/restart',
        'interpreter DELETE /contexts/:id',
      ]),
    );
    const rpcMethods = RPC_SERVICES.reduce((n, service) => n + service.methods.length, 0);
    expect(listed.filter((row) => row.startsWith('envd * /') && row.includes('.'))).toHaveLength(rpcMethods);
    expect(Object.keys(table.services)).toEqual(['envd', 'interpreter']);
  });

  it('serves POST and GET /init only with a hand-over handler (a pooled agent)', () => {
    expect(rows(agentRoutes(handlers)).filter((row) => row.endsWith(' /init'))).toEqual([]);
    const pooled = rows(agentRoutes({ ...handlers, handover: { init: async () => undefined, warm: async () => undefined } }));
    expect(pooled).toContain('envd POST /init');
    expect(pooled).toContain('envd GET /init');
  });

  it('has no interpreter routes or service when the interpreter does not run', () => {
    const table = agentRoutes(handlers);
    expect(rows(table).some((row) => row.startsWith('interpreter'))).toBe(false);
    expect(table.services.interpreter).toBeUndefined();
  });
});
