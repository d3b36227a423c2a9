import { truncateMiddle } from '@codebox/core-client';

/** Sends one progress message (what `notifications/progress` carries in `message`). */
export type ProgressSender = (message: string) => Promise<void>;

/**
 * Streams what running code or a command prints to the MCP client as progress notifications.
 * Output arrives line by line (code) or chunk by chunk (commands); sending each piece would
 * flood the client, so pieces are gathered for `intervalMs` and sent together, stdout and
 * stderr apart (stderr marked), each message within `maxChars`. A failed send is dropped: the
 * final result still carries the whole output.
 */
export class ProgressRelay {
  private readonly pending = { stdout: '', stderr: '' };
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly send: ProgressSender,
    private readonly opts: { intervalMs: number; maxChars: number },
  ) {}

  stdout(text: string): void {
    this.add('stdout', text);
  }

  stderr(text: string): void {
    this.add('stderr', text);
  }

  /** Sends what is pending now and waits for every send so far (call before the final result). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const stream of ['stdout', 'stderr'] as const) {
      const text = this.pending[stream];
      if (!text) continue;
      this.pending[stream] = '';
      const message = truncateMiddle(stream === 'stderr' ? `stderr: ${text}` : text, this.opts.maxChars);
      this.sending = this.sending.then(() => this.send(message)).catch(() => {});
    }
    await this.sending;
  }

  /** Drops what is pending: the call ended without a result to precede (cancelled, failed). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.stdout = '';
    this.pending.stderr = '';
  }

  private add(stream: 'stdout' | 'stderr', text: string): void {
    this.pending[stream] += text;
    if (this.opts.intervalMs <= 0) {
      void this.flush();
      return;
    }
    this.timer ??= setTimeout(() => void this.flush(), this.opts.intervalMs);
  }
}
