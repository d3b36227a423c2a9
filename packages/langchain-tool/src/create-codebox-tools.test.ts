import { InvalidArgumentError, SandboxSessions, SessionsClosedError, type Sandbox } from '@codebox/core-client';
import { describe, expect, it } from 'vitest';
import { createCodeboxTools } from './create-codebox-tools.js';
import { standInFactory } from './testing/stand-in-sandboxes.js';

describe('createCodeboxTools', () => {
  it('makes the four tools on one set of sessions', async () => {
    await using codebox = createCodeboxTools({ sessionOptions: { closeOnExit: false } });
    expect(codebox.tools.map((t) => t.name)).toEqual(['run_code', 'run_command', 'write_file', 'read_file']);
    expect(codebox.tools).toEqual([codebox.runCode, codebox.runCommand, codebox.writeFile, codebox.readFile]);
    expect(codebox.sessions).toBeInstanceOf(SandboxSessions);
  });

  it('closes the sessions it created, and leaves sessions it was given to their owner', async () => {
    const owned = createCodeboxTools({ sessionOptions: { closeOnExit: false } });
    await owned.close();
    await expect(owned.sessions.get('after')).rejects.toBeInstanceOf(SessionsClosedError);

    const factory = standInFactory();
    await using shared = new SandboxSessions<Sandbox>({ sandboxClass: factory, closeOnExit: false });
    await shared.get('kept');
    const borrowing = createCodeboxTools({ sessions: shared });
    expect(borrowing.sessions).toBe(shared);
    await borrowing.close();
    expect(shared.has('kept')).toBe(true);
    expect(factory.created[0]?.killed).toBe(0);
  });

  it('refuses sessions and sessionOptions together', () => {
    const sessions = new SandboxSessions<Sandbox>({ closeOnExit: false });
    expect(() => createCodeboxTools({ sessions, sessionOptions: {} } as never)).toThrow(InvalidArgumentError);
  });
});
