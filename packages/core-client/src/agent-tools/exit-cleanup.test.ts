import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { closeOnExit, EXIT_CLEANUP_TIMEOUT_MS } from './exit-cleanup.js';

describe('closeOnExit', () => {
  // The test runner may listen to these itself; set its listeners aside so counts are ours.
  const saved = new Map<string, ((...args: unknown[]) => void)[]>();
  beforeEach(() => {
    for (const event of ['SIGINT', 'SIGTERM', 'beforeExit']) {
      saved.set(event, process.listeners(event as NodeJS.Signals) as (() => void)[]);
      process.removeAllListeners(event);
    }
  });
  afterEach(() => {
    vi.restoreAllMocks();
    for (const [event, listeners] of saved) {
      process.removeAllListeners(event);
      for (const l of listeners) process.on(event, l);
    }
  });

  const counts = () => ['SIGINT', 'SIGTERM', 'beforeExit'].map((e) => process.listenerCount(e));

  it('installs one set of listeners for any number of closers and removes it with the last', () => {
    const a = closeOnExit({ close: async () => {} });
    const b = closeOnExit({ close: async () => {} });
    expect(counts()).toEqual([1, 1, 1]);
    a();
    expect(counts()).toEqual([1, 1, 1]);
    b();
    b();
    expect(counts()).toEqual([0, 0, 0]);
  });

  it('on SIGTERM closes every closer, then re-raises the signal with the listeners gone', async () => {
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    const closed: string[] = [];
    let unregisterA = (): void => {};
    let unregisterB = (): void => {};
    unregisterA = closeOnExit({
      close: async () => {
        await new Promise((r) => setTimeout(r, 20));
        closed.push('a');
        unregisterA();
      },
    });
    unregisterB = closeOnExit({
      close: async () => {
        closed.push('b');
        unregisterB();
      },
    });
    process.emit('SIGTERM', 'SIGTERM');
    expect(kill).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(kill).toHaveBeenCalledWith(process.pid, 'SIGTERM'));
    expect(closed.sort()).toEqual(['a', 'b']);
    expect(counts()).toEqual([0, 0, 0]);
  });

  it('does not re-raise when the application listens to the signal itself', async () => {
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    const own = vi.fn();
    process.on('SIGINT', own);
    const close = vi.fn(async () => unregister());
    const unregister = closeOnExit({ close });
    process.emit('SIGINT', 'SIGINT');
    await vi.waitFor(() => expect(close).toHaveBeenCalled());
    await new Promise((r) => setTimeout(r, 10));
    expect(own).toHaveBeenCalled();
    expect(kill).not.toHaveBeenCalled();
  });

  it('on beforeExit closes the closers without sending any signal', async () => {
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    const close = vi.fn(async () => unregister());
    const unregister = closeOnExit({ close });
    process.emit('beforeExit', 0);
    await vi.waitFor(() => expect(close).toHaveBeenCalledOnce());
    expect(kill).not.toHaveBeenCalled();
    expect(counts()).toEqual([0, 0, 0]);
  });

  it('goes down at once on a second signal, and after EXIT_CLEANUP_TIMEOUT_MS when a close hangs', async () => {
    vi.useFakeTimers();
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    const hanging = { close: () => new Promise<void>(() => {}) };
    const unregister = closeOnExit(hanging);
    process.emit('SIGINT', 'SIGINT');
    expect(kill).not.toHaveBeenCalled();
    process.emit('SIGINT', 'SIGINT');
    expect(kill).toHaveBeenCalledExactlyOnceWith(process.pid, 'SIGINT');
    expect(counts()).toEqual([0, 0, 0]);
    unregister();
    // The first signal's cleanup giving up later must not send the signal again.
    await vi.advanceTimersByTimeAsync(EXIT_CLEANUP_TIMEOUT_MS);
    expect(kill).toHaveBeenCalledOnce();

    kill.mockClear();
    const unregisterAgain = closeOnExit(hanging);
    process.emit('SIGTERM', 'SIGTERM');
    await vi.advanceTimersByTimeAsync(EXIT_CLEANUP_TIMEOUT_MS - 1);
    expect(kill).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(kill).toHaveBeenCalledExactlyOnceWith(process.pid, 'SIGTERM');
    unregisterAgain();
    vi.useRealTimers();
  });
});
