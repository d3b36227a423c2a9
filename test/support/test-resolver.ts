import { createSocket } from 'node:dgram';
import * as dnsPacket from 'dns-packet';

/** A DNS server on loopback that a test points the runner's forwarder at (`CODEBOX_DNS_UPSTREAMS`). */
export interface TestResolver {
  readonly port: number;
  close(): void;
}

/**
 * Answers A queries for the names in `answers` (lower-case name → IPv4) with `ttl`, other query
 * types for those names with an empty NOERROR, and every other name with NXDOMAIN: a test's own
 * names, never real DNS.
 */
export async function startTestResolver(answers: Readonly<Record<string, string>>, ttl: number): Promise<TestResolver> {
  const socket = createSocket('udp4');
  socket.on('message', (message, remote) => {
    try {
      const query = dnsPacket.decode(message);
      const question = query.questions?.[0];
      if (!question) return;
      const name = question.name.toLowerCase();
      const known = name in answers;
      const address = question.type === 'A' ? answers[name] : undefined;
      socket.send(
        dnsPacket.encode({
          type: 'response',
          id: query.id ?? 0,
          flags: dnsPacket.RECURSION_AVAILABLE | (known ? 0 : 3),
          questions: [question],
          answers: address ? [{ type: 'A', name: question.name, ttl, data: address }] : [],
        }),
        remote.port,
        remote.address,
      );
    } catch {
      // not a query
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return { port: socket.address().port, close: () => socket.close() };
}
