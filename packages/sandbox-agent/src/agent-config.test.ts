import { describe, expect, it } from 'vitest';
import { agentConfigFrom, parseSandboxEnvs } from './agent-config.js';
import { AgentConfigError } from './errors.js';

describe('agentConfigFrom', () => {
  it('defaults to the contract socket path and takes CODEBOX_AGENT_SOCKET', () => {
    expect(agentConfigFrom([], {}).listen).toEqual({ socket: '/run/codebox/agent.sock' });
    expect(agentConfigFrom([], { CODEBOX_AGENT_SOCKET: '/tmp/a.sock' }).listen).toEqual({ socket: '/tmp/a.sock' });
    expect(agentConfigFrom(['--socket', '/tmp/b.sock'], { CODEBOX_AGENT_SOCKET: '/tmp/a.sock' }).listen).toEqual({ socket: '/tmp/b.sock' });
  });

  it('parses --listen HOST:PORT and refuses bad flags', () => {
    expect(agentConfigFrom(['--listen', '127.0.0.1:49983'], {}).listen).toEqual({ host: '127.0.0.1', port: 49983 });
    expect(agentConfigFrom(['--listen', '[::1]:80'], {}).listen).toEqual({ host: '::1', port: 80 });
    expect(() => agentConfigFrom(['--listen', 'nohost'], {})).toThrow(AgentConfigError);
    expect(() => agentConfigFrom(['--listen', 'h:99999'], {})).toThrow(AgentConfigError);
    expect(() => agentConfigFrom(['--socket', 'a', '--listen', 'h:1'], {})).toThrow(/not both/);
    expect(() => agentConfigFrom(['--bogus'], {})).toThrow(/usage/);
  });

  it('is pooled only with CODEBOX_POOLED=1 (the runner\'s warm pool)', () => {
    expect(agentConfigFrom([], {}).pooled).toBe(false);
    expect(agentConfigFrom([], { CODEBOX_POOLED: '1' }).pooled).toBe(true);
  });

  it('reads the helper and passwd overrides', () => {
    expect(agentConfigFrom([], { CODEBOX_SANDBOX_EXEC: '/x/sandbox-exec', CODEBOX_PASSWD: '/x/passwd' })).toMatchObject({
      sandboxExecPath: '/x/sandbox-exec',
      passwdPath: '/x/passwd',
    });
  });

  it('reads the code-context cap and refuses anything but an integer from 1 to 1024', () => {
    expect(agentConfigFrom([], {}).maxCodeContexts).toBeUndefined();
    expect(agentConfigFrom([], { CODEBOX_MAX_CODE_CONTEXTS: '8' }).maxCodeContexts).toBe(8);
    expect(agentConfigFrom([], {}).pythonZygote).toBe(true);
    expect(agentConfigFrom([], { CODEBOX_PYTHON_ZYGOTE: '0' }).pythonZygote).toBe(false);
    expect(() => agentConfigFrom([], { CODEBOX_PYTHON_ZYGOTE: 'no' })).toThrow(/CODEBOX_PYTHON_ZYGOTE/);
    for (const bad of ['0', '-1', '2.5', 'many', '1e3', '1025', ' ']) {
      expect(() => agentConfigFrom([], { CODEBOX_MAX_CODE_CONTEXTS: bad })).toThrow(/CODEBOX_MAX_CODE_CONTEXTS/);
    }
  });
});

describe('runtime and memory limit', () => {
  it('defaults to runc without a limit, reads runsc and the limit in MiB, and refuses anything else', () => {
    expect(agentConfigFrom([], {})).toMatchObject({ runtime: 'runc' });
    expect(agentConfigFrom([], {}).memoryLimitBytes).toBeUndefined();
    expect(agentConfigFrom([], { CODEBOX_RUNTIME: 'runsc', CODEBOX_MEMORY_LIMIT_MIB: '512' })).toMatchObject({ runtime: 'runsc', memoryLimitBytes: 512 * 1024 * 1024 });
    for (const bad of ['gvisor', 'RUNSC', 'kata']) expect(() => agentConfigFrom([], { CODEBOX_RUNTIME: bad })).toThrow(/CODEBOX_RUNTIME/);
    for (const bad of ['0', '15', '1.5', 'lots', '-512']) expect(() => agentConfigFrom([], { CODEBOX_MEMORY_LIMIT_MIB: bad })).toThrow(/CODEBOX_MEMORY_LIMIT_MIB/);
  });
});

describe('parseSandboxEnvs', () => {
  it('accepts a JSON object of strings', () => {
    expect(parseSandboxEnvs(undefined)).toEqual({});
    expect(parseSandboxEnvs('{"A":"1"}')).toEqual({ A: '1' });
  });

  it('refuses anything else', () => {
    expect(() => parseSandboxEnvs('{')).toThrow(/not valid JSON/);
    expect(() => parseSandboxEnvs('[]')).toThrow(/JSON object/);
    expect(() => parseSandboxEnvs('{"A":1}')).toThrow(/CODEBOX_SANDBOX_ENVS.A must be a string/);
  });
});
