import { Agent } from 'node:http';
import { AGENT_MAX_CONNECTIONS } from '@codebox/protocol';

/**
 * One keep-alive HTTP agent per sandbox socket, so consecutive SDK calls reuse a connection
 * to the sandbox's agent instead of paying a connect each time.
 */
export class AgentPool {
  readonly #agents = new Map<string, Agent>();

  for(socketPath: string): Agent {
    let agent = this.#agents.get(socketPath);
    if (!agent) {
      // Never more sockets than the agent accepts: past that, requests queue here instead of being refused there.
      agent = new Agent({ keepAlive: true, keepAliveMsecs: 10_000, maxSockets: AGENT_MAX_CONNECTIONS });
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
