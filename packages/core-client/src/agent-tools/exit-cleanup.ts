/**
 * Closing open sandbox sessions when the process is told to stop, so a Ctrl-C or a `kill`
 * does not leave sandboxes running until their lifetime ends.
 *
 * One set of process listeners serves every registered closer: they are installed when the
 * first one registers and removed when the last one leaves, so an idle library adds nothing to
 * the process. `exit` is not used: its listeners cannot wait for the network, and a process
 * killed with SIGKILL runs no code at all — the sandbox's own lifetime (`timeoutMs`) is the
 * backstop for those.
 */

/** Something that frees its resources when closed. */
export interface Closable {
  close(): Promise<void>;
}

/** How long a signal waits for closers before the process goes down anyway. */
export const EXIT_CLEANUP_TIMEOUT_MS = 10_000;

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type ExitSignal = (typeof SIGNALS)[number];

const closers = new Set<Closable>();
/** The shutdown a signal started, while its closers run; `forced` once a second signal cut it short. */
let shutdown: { forced: boolean } | undefined;

const signalListeners: Record<ExitSignal, () => void> = {
  SIGINT: () => onSignal('SIGINT'),
  SIGTERM: () => onSignal('SIGTERM'),
};

/**
 * Registers `closer` to be closed on SIGINT, SIGTERM and `beforeExit`; returns the function
 * that unregisters it (call it from `close()`).
 */
export function closeOnExit(closer: Closable): () => void {
  closers.add(closer);
  if (closers.size === 1) install();
  return () => {
    if (closers.delete(closer) && closers.size === 0) uninstall();
  };
}

function install(): void {
  for (const signal of SIGNALS) process.on(signal, signalListeners[signal]);
  process.on('beforeExit', onBeforeExit);
}

function uninstall(): void {
  for (const signal of SIGNALS) process.off(signal, signalListeners[signal]);
  process.off('beforeExit', onBeforeExit);
}

function onSignal(signal: ExitSignal): void {
  if (shutdown) {
    // A second signal while closing: the user wants out now.
    shutdown.forced = true;
    uninstall();
    reraise(signal);
    return;
  }
  const current = { forced: false };
  shutdown = current;
  void closeAll().finally(() => {
    shutdown = undefined;
    if (current.forced) return;
    uninstall();
    reraise(signal);
  });
}

/**
 * The event loop ran dry with sessions still open (idle timers are unref'd, so they do not
 * keep a finished script alive): close them; the kills' requests keep the loop going until
 * they are done, and the process then exits as it would have.
 */
function onBeforeExit(): void {
  void closeAll();
}

async function closeAll(): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, EXIT_CLEANUP_TIMEOUT_MS);
    timer.unref();
  });
  await Promise.race([Promise.allSettled([...closers].map((closer) => closer.close())), timeout]);
  clearTimeout(timer);
}

/**
 * Gives the signal the effect it would have had without us. Our listener replaced Node's
 * default (exit by the signal); with it removed, sending the signal again does exactly that.
 * When the application has listeners of its own, the signal already reached them and the
 * decision is theirs, so nothing is sent.
 */
function reraise(signal: ExitSignal): void {
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}
