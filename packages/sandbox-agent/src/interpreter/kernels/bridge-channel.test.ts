import { describe, expect, it } from 'vitest';
import { BridgeChannel } from './bridge-channel.js';

function collect(): { channel: BridgeChannel; seen: string[] } {
  const seen: string[] = [];
  const channel = new BridgeChannel({
    text: (text) => seen.push(`text:${text}`),
    event: (event) => seen.push(`event:${JSON.stringify(event)}`),
    malformed: (line) => seen.push(`malformed:${line}`),
  });
  return { channel, seen };
}

describe('BridgeChannel', () => {
  it("writes an e2b/ bundle's floats back as the kernel spelt them (1.0 stays a float for Python clients), integers as numbers", () => {
    const { channel, seen } = collect();
    channel.push(Buffer.from('\x1e{"type":"result","count":3,"data":{"e2b/chart":{"y_ticks":[-1.0,-0.5,0.0,2,1e-05]}}}\n'));
    expect(seen).toEqual(['event:{"type":"result","count":3,"data":{"e2b/chart":{"y_ticks":[-1.0,-0.5,0.0,2,1e-05]}}}']);
    channel.push(Buffer.from('\x1e{"type":"stdout","x":1.0}\n'));
    expect(seen[1]).toBe('event:{"type":"stdout","x":1}');
  });


  it('separates events from plain output around them', () => {
    const { channel, seen } = collect();
    channel.push(Buffer.from('child says hi\n\x1e{"type":"stdout","text":"a"}\npartial'));
    channel.push(Buffer.from(' line\x1e{"type":"done","id":1}\n'));
    expect(seen).toEqual([
      'text:child says hi\n',
      'event:{"type":"stdout","text":"a"}',
      'text:partial',
      'text: line',
      'event:{"type":"done","id":1}',
    ]);
  });

  it('joins an event split across chunks, even inside a multi-byte character', () => {
    const { channel, seen } = collect();
    const line = Buffer.from('\x1e{"type":"stdout","text":"é✓"}\n');
    for (const byte of line) channel.push(Buffer.from([byte]));
    expect(seen).toEqual(['event:{"type":"stdout","text":"é✓"}']);
  });

  it('passes plain text through as it arrives without splitting characters', () => {
    const { channel, seen } = collect();
    const text = Buffer.from('✓ok');
    channel.push(text.subarray(0, 1));
    channel.push(text.subarray(1));
    expect(seen.join('')).toBe('text:✓ok');
  });

  it('reports a broken event line and goes on', () => {
    const { channel, seen } = collect();
    channel.push(Buffer.from('\x1e{not json\n\x1e[1]\n\x1e{"type":"ready"}\n'));
    expect(seen).toEqual(['malformed:{not json', 'malformed:[1]', 'event:{"type":"ready"}']);
  });
});
