import { request } from 'node:http';

/** What `commands.run` sends: the default user's login shell; `true` does nothing else. */
const WARM_UP_BODY = JSON.stringify({ process: { cmd: '/bin/bash', args: ['-l', '-c', 'true'] } });

/** One Connect streaming message: a flags byte (0) and the big-endian length, then the JSON. */
function connectEnvelope(json: string): Buffer {
  const payload = Buffer.from(json);
  const frame = Buffer.alloc(5 + payload.length);
  frame.writeUInt32BE(payload.length, 1);
  payload.copy(frame, 5);
  return frame;
}

/**
 * Runs `/bin/bash -l -c true` through the agent's `process.Process/Start` over its socket and waits
 * for the stream to end, as the runner's last step of a create: the first command a caller runs
 * then finds every part of its path warm (the agent's HTTP and Connect handling compiled, the
 * helper and shell in the page cache) instead of paying for it (docs/internals.md). Resolves with
 * an error message instead of throwing: a failed warm-up costs the first command time, nothing more.
 */
export function warmAgentCommandPath(socketPath: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request(
      {
        socketPath,
        path: '/process.Process/Start',
        method: 'POST',
        headers: { 'content-type': 'application/connect+json' },
        timeout: timeoutMs,
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          if (text.length < 2000) text += chunk.toString('latin1');
        });
        res.on('end', () => resolve(res.statusCode === 200 && !text.includes('"error"') ? undefined : `answered ${res.statusCode}: ${text.slice(0, 200)}`));
        res.on('error', (error) => resolve(error.message));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no end of stream within ${timeoutMs} ms`)));
    req.on('error', (error) => resolve(error.message));
    req.end(connectEnvelope(WARM_UP_BODY));
  });
}
