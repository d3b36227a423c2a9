import { pino, type Logger } from 'pino';

/**
 * The agent's structured log (JSON lines on stdout, which the runner collects). No pid or
 * hostname: inside a sandbox both are constant, and `pid` is free for user process ids.
 */
export function createAgentLogger(): Logger {
  return pino({ name: 'codebox-agent', base: {} });
}
