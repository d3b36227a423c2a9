import { InvalidArgumentError, SandboxSessions, SessionsClosedError, type Sandbox } from '@codebox/core-client';
import { describe, expect, it } from 'vitest';
import { scriptedSessions } from '../../core-client/src/agent-tools/testing/scripted-sandbox.js';
import { createCodeboxTools } from './create-codebox-tools.js';

describe('createCodeboxTools', () => {
  it('makes the four tools on one set of sessions', async () => {
    await using codebox = createCodeboxTools({ sessionOptions: { closeOnExit: false } });
    expect(codebox.tools.map((t) => t.name)).toEqual(['run_code', 'run_command', 'read_file', 'write_file']);
    expect(codebox.tools).toEqual([codebox.runCode, codebox.runCommand, codebox.readFile, codebox.writeFile]);
    expect(codebox.sessions).toBeInstanceOf(SandboxSessions);
  });

  it('closes the sessions it created, and leaves sessions it was given to their owner', async () => {
    const owned = createCodeboxTools({ sessionOptions: { closeOnExit: false } });
    await owned.close();
    await expect(owned.sessions.get('after')).rejects.toBeInstanceOf(SessionsClosedError);

    const { sessions, sandboxes } = scriptedSessions({}, SandboxSessions);
    await using shared = sessions;
    await shared.get('kept');
    const borrowing = createCodeboxTools({ sessions: shared as unknown as SandboxSessions<Sandbox> });
    expect(borrowing.sessions).toBe(shared);
    await borrowing.close();
    expect(shared.has('kept')).toBe(true);
    expect(sandboxes[0]?.killed).toBe(0);
  });

  it('refuses sessions and sessionOptions together', () => {
    const sessions = new SandboxSessions<Sandbox>({ closeOnExit: false });
    expect(() => createCodeboxTools({ sessions, sessionOptions: {} } as never)).toThrow(InvalidArgumentError);
  });
});
