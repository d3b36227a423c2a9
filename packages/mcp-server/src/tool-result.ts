import type { ToolOutput } from '@codebox/core-client';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/**
 * A tool's output as an MCP tool result: the text the model reads (exit code, the code's error
 * and cuts are said in it), then each image (a chart the code drew, a PNG/JPEG file read) as
 * MCP image content. The code's own exception or a non-zero exit is not a tool error: the model
 * reads it like any output.
 */
export function toolResult(output: ToolOutput): CallToolResult {
  return {
    content: [{ type: 'text', text: output.text }, ...output.images.map((image) => ({ type: 'image' as const, data: image.data, mimeType: image.mimeType }))],
  };
}

/** A failure of the tool itself (sandbox gone, runner unreachable, session limit) as a result the model can read. */
export function toolError(toolName: string, error: unknown): CallToolResult {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { content: [{ type: 'text', text: `${toolName} failed: ${message}` }], isError: true };
}
