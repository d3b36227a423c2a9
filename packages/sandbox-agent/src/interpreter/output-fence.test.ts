import { describe, expect, it } from 'vitest';
import { OutputFence } from './output-fence.js';

const fence = Buffer.from('\0codebox:abc\0');

function feed(chunks: string[]): { output: string; reached: boolean } {
  const scanner = new OutputFence(fence);
  let output = '';
  for (const chunk of chunks) output += scanner.push(Buffer.from(chunk)).toString();
  return { output, reached: scanner.reached };
}

describe('OutputFence', () => {
  it('passes output through until the fence and drops what follows it', () => {
    expect(feed(['hello\n', 'world\0codebox:abc\0late'])).toEqual({ output: 'hello\nworld', reached: true });
  });

  it('finds a fence split across chunks, byte by byte', () => {
    const text = 'out\0codebox:abc\0after';
    expect(feed([...text])).toEqual({ output: 'out', reached: true });
  });

  it('releases held bytes that turned out not to be a fence', () => {
    expect(feed(['a\0code', 'x more'])).toEqual({ output: 'a\0codex more', reached: false });
    expect(feed(['a\0codebox:ab', 'd\0', '\0codebox:abc\0'])).toEqual({ output: 'a\0codebox:abd\0', reached: true });
  });

  it('gives back held bytes when the stream ends without a fence', () => {
    const scanner = new OutputFence(fence);
    expect(scanner.push(Buffer.from('x\0cod')).toString()).toBe('x');
    expect(scanner.drain().toString()).toBe('\0cod');
  });
});
