import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { OriginalDestinationError, originalDestination, socketFd } from './original-destination.js';

// The redirected case needs a network namespace and iptables: egress-proxy.integration.test.ts.
describe('originalDestination', () => {
  it('finds the fd of an accepted socket; unredirected, its destination is the one it reached', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const accepted = once(server, 'connection') as Promise<[Socket]>;
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    const [socket] = await accepted;
    try {
      expect(socketFd(socket)).toBeGreaterThan(2);
      // With conntrack tracking loopback the untranslated destination comes back; without an
      // entry the kernel says ENOENT, which must surface as the named error.
      let result: unknown;
      try {
        result = originalDestination(socket);
      } catch (err) {
        result = err;
      }
      if (result instanceof Error) expect(result).toBeInstanceOf(OriginalDestinationError);
      else expect(result).toEqual({ address: '127.0.0.1', port: (server.address() as AddressInfo).port });
    } finally {
      client.destroy();
      socket.destroy();
      server.close();
    }
  });
});
