import { MemoryStore } from '@fedgate/store';
import { Clients } from './clients';
import { OAuthError } from './oauth-error';
import { RegisteredClients } from './registered-clients';

describe('RegisteredClients', () => {
  let now = Date.parse('2026-12-05T06:00:00Z');
  const clock = () => now;

  function directory(): RegisteredClients {
    return new RegisteredClients(new MemoryStore({ now: clock }), { lifetimeSeconds: 3600, now: clock });
  }

  it('finds a registered client and checks its secret', async () => {
    const registrations = directory();
    const registered = await registrations.register({
      name: 'botocore-client-x',
      grantTypes: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
      loopbackRedirectPaths: [],
    });
    expect(registered.expiresAt - registered.issuedAt).toBe(3600);
    const clients = new Clients([], registrations);
    await expect(clients.require(registered.clientId, 'refresh_token')).resolves.toMatchObject({
      name: 'botocore-client-x',
    });
    await expect(clients.require(registered.clientId, 'authorization_code')).rejects.toMatchObject({
      error: 'unauthorized_client',
    });
    await expect(
      registrations.authenticate(registered.clientId, registered.clientSecret),
    ).resolves.toBeUndefined();
    const other = await registrations.register({
      name: 'other',
      grantTypes: ['refresh_token'],
      loopbackRedirectPaths: [],
    });
    await expect(registrations.authenticate(registered.clientId, other.clientSecret)).rejects.toBeInstanceOf(
      OAuthError,
    );
    await expect(registrations.authenticate(registered.clientId, undefined)).rejects.toMatchObject({
      error: 'invalid_client',
    });
  });

  it('forgets a registration once it expired', async () => {
    const registrations = directory();
    const registered = await registrations.register({
      name: 'x',
      grantTypes: ['refresh_token'],
      loopbackRedirectPaths: [],
    });
    now += 3601 * 1000;
    await expect(registrations.find(registered.clientId)).resolves.toBeUndefined();
    await expect(
      registrations.authenticate(registered.clientId, registered.clientSecret),
    ).rejects.toMatchObject({
      error: 'invalid_client',
    });
  });

  it('refuses a nameless client and the code grant without a redirect', async () => {
    const registrations = directory();
    await expect(
      registrations.register({ name: ' ', grantTypes: ['refresh_token'], loopbackRedirectPaths: [] }),
    ).rejects.toMatchObject({ error: 'invalid_request' });
    await expect(
      registrations.register({ name: 'x', grantTypes: ['authorization_code'], loopbackRedirectPaths: [] }),
    ).rejects.toMatchObject({ error: 'invalid_request' });
  });
});
