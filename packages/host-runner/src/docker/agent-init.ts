import { request } from 'node:http';
import { AgentInitFailedError } from './errors.js';

/**
 * A warm-pool agent's hand-over call (`POST /init`, sandbox-agent handlers/handover-handler.ts):
 * the sandbox's env vars, which a cold sandbox's agent reads from its container env.
 */
export function initPooledAgent(sandboxId: string, socketPath: string, envVars: Readonly<Record<string, string>>, timeoutMs: number): Promise<void> {
  return callInit(sandboxId, socketPath, 'POST', JSON.stringify({ envVars }), timeoutMs);
}

/**
 * A pooled agent's `GET /init`: answers 204 once its sandbox is warm (the default Python kernel
 * started); the pool counts the container ready only then, so a create's first runCode never waits
 * for a kernel start.
 */
export function waitPooledAgentWarm(sandboxId: string, socketPath: string, timeoutMs: number): Promise<void> {
  return callInit(sandboxId, socketPath, 'GET', undefined, timeoutMs);
}

/** One call to the agent's `/init`; resolves on 204, else rejects with `AgentInitFailedError`. */
function callInit(sandboxId: string, socketPath: string, method: 'GET' | 'POST', body: string | undefined, timeoutMs: number): Promise<void> {
  const headers = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/init', method, timeout: timeoutMs, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        if (res.statusCode === 204) resolve();
        else reject(new AgentInitFailedError(sandboxId, `${method} /init answered ${res.statusCode ?? 0}: ${Buffer.concat(chunks).toString('utf8').slice(0, 200)}`));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => reject(err instanceof AgentInitFailedError ? err : new AgentInitFailedError(sandboxId, err.message)));
    req.end(body);
  });
}
