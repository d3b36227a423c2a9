/** An image for the model, as the AI SDK's `image-data` part carries it. */
export interface ToolImage {
  /** Base64 of the image bytes. */
  data: string;
  mediaType: 'image/png' | 'image/jpeg';
}

/**
 * A preliminary result, yielded while code or a command runs: the output so far, each stream
 * within the tool's `maxOutputChars` (head and tail kept). UIs show it; the model never sees it.
 */
export interface RunningOutput {
  status: 'running';
  stdout: string;
  stderr: string;
}

/** The final result of a tool call: what `toModelOutput` turns into the model's tool result. */
export interface FinishedOutput {
  status: 'done';
  /** Compact text for the model (`shapeOutput`'s), images described in it. */
  text: string;
  /** PNG/JPEG images, passed to the model as image parts. */
  images: ToolImage[];
  /** Whether `text` was cut to fit `maxOutputChars`. */
  truncated: boolean;
  /** The code's error (`ExecutionError`, or `TimeoutError` when it was interrupted), for UIs. */
  error?: { name: string; value: string };
  /** A command's exit code. */
  exitCode?: number;
}

export type CodeboxToolOutput = RunningOutput | FinishedOutput;
