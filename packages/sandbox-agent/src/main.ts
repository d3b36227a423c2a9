#!/usr/bin/env node
// The agent's entry point inside every sandbox: `node agent.mjs [--socket PATH | --listen HOST:PORT]`.
import { agentConfigFrom } from './agent-config.js';
import { createAgentServer } from './agent-server.js';
import { createAgentLogger } from './logger.js';
import { sandboxMemoryFor } from './memory/sandbox-memory-for.js';

const logger = createAgentLogger();

async function main(): Promise<void> {
  const config = agentConfigFrom(process.argv.slice(2), process.env);
  const agent = createAgentServer({
    logger,
    sandboxEnvs: config.sandboxEnvs,
    rootAccess: config.rootAccess,
    pooled: config.pooled,
    memory: sandboxMemoryFor(config.runtime, config.memoryLimitBytes, logger),
    ...(config.sandboxExecPath ? { sandboxExecPath: config.sandboxExecPath } : {}),
    ...(config.passwdPath ? { passwdPath: config.passwdPath } : {}),
    codeInterpreter: { pythonZygote: config.pythonZygote, ...(config.maxCodeContexts ? { maxContexts: config.maxCodeContexts } : {}) },
  });
  await agent.listen(config.listen);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'agent stopping');
    // Do not wait forever on a client that keeps a stream open.
    setTimeout(() => process.exit(0), 5_000).unref();
    agent.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'agent did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'agent failed to start');
  process.exit(1);
});
