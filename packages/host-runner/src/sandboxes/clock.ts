/** An armed timer: cancellable, and unref'able so it alone never keeps the process alive. */
export interface ClockTimer {
  unref(): unknown;
}

/** Where deadline code reads the time and arms timers; injectable so tests drive it without waiting. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): ClockTimer;
  clearTimeout(timer: ClockTimer): void;
}

/** The process clock, looked up at each call (so vitest's fake timers, installed later, apply too). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};
