import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';

/** How long to wait before restarting a broker that exited: a crash loop must not spin the CPU. */
const RESTART_DELAY_MS = 1_000;

/**
 * Keeps the sudo broker (`sandbox-exec --sudo-broker`, native/sudo-broker.c) running in a
 * root-enabled sandbox: it serves `sudo` for `user` on the abstract socket @codebox-sudo. It is
 * spawned directly, not through sandbox-exec's privilege drop, because it needs the agent's own
 * capabilities to start root commands (which it does through sandbox-exec's code path); it dies
 * with the agent (PR_SET_PDEATHSIG) and is restarted if it exits on its own.
 */
export class SudoBroker {
  private child: ChildProcess | undefined;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly helperPath: string,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.stopped) return;
    const child = spawn(this.helperPath, ['--sudo-broker'], { stdio: ['ignore', 'ignore', 'pipe'], cwd: '/' });
    this.child = child;
    child.stderr?.setEncoding('utf8').on('data', (text: string) => this.logger.warn({ broker: text.trim() }, 'sudo broker'));
    child.on('error', (error) => this.logger.error({ err: error }, 'sudo broker could not start: sudo will not work in this sandbox'));
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (this.stopped) return;
      this.logger.error({ code, signal }, 'sudo broker exited; restarting it');
      this.restartTimer = setTimeout(() => this.start(), RESTART_DELAY_MS);
      this.restartTimer.unref();
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.child?.kill('SIGKILL');
  }
}
