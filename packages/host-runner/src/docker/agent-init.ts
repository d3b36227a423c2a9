import { request } from 'node:http';
import { AgentInitFailedError } from './errors.js';

/**
 * A warm-pool agent's hand-over call (`POST /init`, sandbox-agent handlers/handover-handler.ts):
 * the sandbox's env vars, which a cold sandbox's agent reads from its container env.
 */
export function initPooledAgent(sandboxId: string, socketPath: string, envVars: Readonly<Record<string, string>>, timeoutMs: number): Promise<void> {
  const body = JSON.stringify({ envVars });
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath, path: '/init', method: 'POST', timeout: timeoutMs, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          if (res.statusCode === 204) resolve();
          else reject(new AgentInitFailedError(sandboxId, `POST /init answered ${res.statusCode ?? 0}: ${Buffer.concat(chunks).toString('utf8').slice(0, 200)}`));
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => reject(err instanceof AgentInitFailedError ? err : new AgentInitFailedError(sandboxId, err.message)));
    req.end(body);
  });
}
