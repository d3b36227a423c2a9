import { describe, expect, it } from 'vitest';
import { ConnectionConfig } from '../connection-config.js';
import { EnvdConnection } from './envd-connection.js';

describe('EnvdConnection.headers', () => {
  const connection = (trafficAccessToken?: string): EnvdConnection =>
    new EnvdConnection({
      config: new ConnectionConfig({ apiKey: 'e2b_00', apiUrl: 'http://127.0.0.1:1' }),
      sandboxId: 'abcdefghij0123456789',
      envdVersion: '0.5.7',
      envdAccessToken: 'access',
      ...(trafficAccessToken ? { trafficAccessToken } : {}),
    });

  it('sends the traffic token, as the SDK does, on every port but envd’s', () => {
    const c = connection('traffic');
    expect(c.headers(49983)).not.toHaveProperty('e2b-traffic-access-token');
    expect(c.headers(49999)).toMatchObject({ 'e2b-traffic-access-token': 'traffic', 'x-access-token': 'access', 'e2b-sandbox-port': '49999' });
    expect(c.headers(8080)).toMatchObject({ 'e2b-traffic-access-token': 'traffic' });
  });

  it('sends none for a sandbox without one', () => {
    expect(connection().headers(49999)).not.toHaveProperty('e2b-traffic-access-token');
  });
});
