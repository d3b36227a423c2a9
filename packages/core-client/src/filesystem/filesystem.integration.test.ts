// watchDir against a real runner and agent: the events come from the agent's inotify watch, so
// they are checked against the real one here; the unit layer's fake runner only answers the
// stream (test/fake-runner.ts), for the wire and the client's stop/onExit handling.
import { describe, expect, it } from 'vitest';
import { useRunner } from '../../../../test/support/use-runner.js';
import { FileNotFoundError } from '../errors.js';
import { Sandbox } from '../sandbox/sandbox.js';
import { FilesystemEventType, type FilesystemEvent } from './watch-handle.js';

useRunner();

describe('watchDir on a real sandbox', () => {
  it('reports a file written into the watched directory until stopped, then exits without an error', async () => {
    await using sandbox = await Sandbox.create('base');
    await sandbox.files.makeDir('/home/user/w');
    const events: FilesystemEvent[] = [];
    let exited: { err: Error | undefined } | undefined;
    const handle = await sandbox.files.watchDir('/home/user/w', (e) => void events.push(e), {
      onExit: (err) => {
        exited = { err };
      },
    });
    await sandbox.files.write('/home/user/w/new.txt', 'n');
    await expect.poll(() => events.some((e) => e.name === 'new.txt')).toBe(true);
    expect(Object.values(FilesystemEventType)).toContain(events[0]?.type);
    await handle.stop();
    await expect.poll(() => exited).toEqual({ err: undefined });
  });

  it('reports a watch of a missing directory as FileNotFoundError', async () => {
    await using sandbox = await Sandbox.create('base');
    await expect(sandbox.files.watchDir('/home/user/none', () => undefined)).rejects.toBeInstanceOf(FileNotFoundError);
  });
});
