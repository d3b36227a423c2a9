import { PORT_CLOSED_MESSAGE, type PortClosedBody } from '@codebox/protocol';

export interface PortClosedAnswer {
  readonly contentType: string;
  readonly body: string;
}

/** Browsers announce themselves with `Mozilla/…`; E2B's edge picks the HTML page by the User-Agent too. */
const BROWSER_AGENT = /\bMozilla\//;

/**
 * What a request to a port nobody listens on gets (with status 502), as E2B's edge answers it:
 * JSON `{message, sandboxId, port}` for programs, an HTML page titled "Closed Port Error" for browsers.
 */
export function portClosedAnswer(sandboxId: string, port: number, userAgent: string | undefined): PortClosedAnswer {
  if (userAgent && BROWSER_AGENT.test(userAgent)) {
    const id = escapeHtml(sandboxId);
    return {
      contentType: 'text/html; charset=utf-8',
      body:
        `<html><head><title>Closed Port Error</title></head><body><h1>Closed Port Error</h1>` +
        `<p>${PORT_CLOSED_MESSAGE}: sandbox <code>${id}</code> is running, but no server listens on port <code>${port}</code>.</p>` +
        `<p>Start a server on port ${port} inside the sandbox (on 0.0.0.0, 127.0.0.1 or ::1) and reload.</p></body></html>`,
    };
  }
  const body: PortClosedBody = { message: PORT_CLOSED_MESSAGE, sandboxId, port, code: 502 };
  return { contentType: 'application/json; charset=utf-8', body: JSON.stringify(body) };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
