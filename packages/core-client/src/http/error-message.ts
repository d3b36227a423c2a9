/** The server's message from an `{code, message}` body, else the raw text, else the status text. */
export function errorMessage(bodyText: string, statusText: string): string {
  if (bodyText) {
    try {
      const parsed: unknown = JSON.parse(bodyText);
      if (parsed && typeof parsed === 'object' && 'message' in parsed && typeof parsed.message === 'string') {
        return parsed.message;
      }
    } catch {
      // Not JSON: the text itself is the most useful message we have.
    }
    return bodyText.trim();
  }
  return statusText || 'no error message from the server';
}
