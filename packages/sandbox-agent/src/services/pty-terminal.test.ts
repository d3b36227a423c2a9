import { afterEach, describe, expect, it } from 'vitest';
import { PtyTerminal } from './pty-terminal.js';

// The gate that keeps the master unread until the command holds the slave (gVisor reads a master
// whose slave was never opened as a hang-up). A real master of this host's /dev/ptmx; no helper runs.
describe('PtyTerminal reading gate', () => {
  const open: PtyTerminal[] = [];
  const openTerminal = (): PtyTerminal => {
    const terminal = PtyTerminal.open('/nonexistent-helper');
    open.push(terminal);
    terminal.output.on('data', () => undefined);
    return terminal;
  };
  afterEach(() => {
    for (const terminal of open.splice(0)) terminal.close();
  });

  it('does not read before attach(), even with a data listener and a resume() from backpressure', () => {
    const terminal = openTerminal();
    expect(terminal.output.readableFlowing).toBe(false);
    terminal.pause();
    terminal.resume();
    expect(terminal.output.readableFlowing).toBe(false);
    terminal.attach();
    expect(terminal.output.readableFlowing).toBe(true);
  });

  it('stays paused at attach() when backpressure paused it, and reads once resumed', () => {
    const terminal = openTerminal();
    terminal.pause();
    terminal.attach();
    expect(terminal.output.readableFlowing).toBe(false);
    terminal.resume();
    expect(terminal.output.readableFlowing).toBe(true);
  });

  it('reads once the command has exited (drainAfterExit attaches), so a failed start still ends', async () => {
    const terminal = openTerminal();
    const drained = terminal.drainAfterExit();
    expect(terminal.output.readableFlowing).toBe(true);
    terminal.close();
    await drained;
    expect(terminal.isClosed).toBe(true);
  });
});
