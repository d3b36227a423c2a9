import { Agent } from 'node:http';

/**
 * One keep-alive HTTP agent per sandbox socket, so consecutive SDK calls reuse a connection
 * to the sandbox's agent instead of paying a connect each time.
 */
export class AgentPool {
  readonly #agents = new Map<string, Agent>();

  /** `maxSockets`: connections to one sandbox's agent this pool opens at most (idle ones included); past that, requests queue here. */
  constructor(private readonly maxSockets: number) {}

  for(socketPath: string): Agent {
    let agent = this.#agents.get(socketPath);
    if (!agent) {
      agent = new Agent({ keepAlive: true, keepAliveMsecs: 10_000, maxSockets: this.maxSockets, maxTotalSockets: this.maxSockets });
      this.#agents.set(socketPath, agent);
    }
    return agent;
  }

  /** Closes the connections of a sandbox that is gone. */
  release(socketPath: string): void {
    this.#agents.get(socketPath)?.destroy();
    this.#agents.delete(socketPath);
  }

  releaseAll(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }
}
