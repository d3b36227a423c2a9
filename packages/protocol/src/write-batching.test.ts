import { describe, expect, it } from 'vitest';
import { TurnCork, type CorkClock } from './write-batching.js';

/** A socket that records what leaves when (writes while corked leave together at the last uncork). */
function fakeSocket() {
  let corked = 0;
  let pending: string[] = [];
  const sent: string[][] = [];
  return {
    sent,
    cork: () => void (corked += 1),
    uncork: () => {
      if (corked === 0) return;
      corked -= 1;
      if (corked === 0 && pending.length) {
        sent.push(pending);
        pending = [];
      }
    },
    write(chunk: string) {
      if (corked) pending.push(chunk);
      else sent.push([chunk]);
    },
  };
}

function manualClock() {
  const turns: Array<() => void> = [];
  const timers: Array<{ run: () => void; cancelled: boolean }> = [];
  const clock: CorkClock = {
    afterTurn: (run) => void turns.push(run),
    after: (_ms, run) => {
      const timer = { run, cancelled: false };
      timers.push(timer);
      return { cancel: () => void (timer.cancelled = true) };
    },
  };
  return {
    clock,
    endTurn: () => turns.splice(0).forEach((run) => run()),
    fireTimers: () => timers.splice(0).forEach((t) => t.cancelled || t.run()),
  };
}

describe('TurnCork', () => {
  it('sends what one turn writes as one write', () => {
    const socket = fakeSocket();
    const { clock, endTurn } = manualClock();
    const cork = new TurnCork(socket, clock);
    for (const line of ['a', 'b', 'c']) {
      cork.beforeWrite();
      socket.write(line);
    }
    expect(socket.sent).toEqual([]);
    endTurn();
    expect(socket.sent).toEqual([['a', 'b', 'c']]);
    cork.beforeWrite();
    socket.write('d');
    endTurn();
    expect(socket.sent).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('holds the headers until the first write, then sends them with it at the end of that turn', () => {
    const socket = fakeSocket();
    const { clock, endTurn, fireTimers } = manualClock();
    const cork = new TurnCork(socket, clock);
    cork.holdHeaders(20);
    socket.write('headers');
    endTurn();
    expect(socket.sent).toEqual([]);
    cork.beforeWrite();
    socket.write('line');
    fireTimers(); // cancelled by the write: nothing leaves early
    expect(socket.sent).toEqual([]);
    endTurn();
    expect(socket.sent).toEqual([['headers', 'line']]);
  });

  it('sends held headers alone when nothing is written in time', () => {
    const socket = fakeSocket();
    const { clock, fireTimers } = manualClock();
    const cork = new TurnCork(socket, clock);
    cork.holdHeaders(20);
    socket.write('headers');
    fireTimers();
    expect(socket.sent).toEqual([['headers']]);
  });

  it('does nothing without a socket (the response was already destroyed)', () => {
    const { clock, endTurn } = manualClock();
    const cork = new TurnCork(null, clock);
    cork.holdHeaders(20);
    cork.beforeWrite();
    expect(() => endTurn()).not.toThrow();
  });
});
