/** `latchkey clients create` and `latchkey clients list`. */
import type { Command } from 'commander';
import { systemClock } from '../protocol/clock.js';
import type { GrantType, TokenEndpointAuthMethod } from '../protocol/types.js';
import { type ClientRegistration, listClients, registerClient } from '../services/clients.js';
import { type CliIo, configFrom } from './main.js';
import { withStore } from './users.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface CreateOptions {
  name: string;
  redirectUri?: string[];
  postLogoutRedirectUri?: string[];
  clientId?: string;
  clientUri?: string;
  scope?: string;
  grantType?: string[];
  authMethod?: string;
  public?: boolean;
  skipConsent?: boolean;
  pkce: boolean;
  introspect?: boolean;
  accessTokenTtl?: number;
  refreshTokenTtl?: number;
  accessTokenFormat?: string;
  idTokenAlg?: string;
  subjectType?: string;
  json?: boolean;
}

export function clientCommands(program: Command, io: CliIo): void {
  const clients = program.command('clients').description('manage client applications');
  clients
    .command('create')
    .description('register a client; its secret is printed once')
    .requiredOption('-n, --name <name>', 'client_name shown on the consent page')
    .option(
      '-r, --redirect-uri <uri>',
      'a redirect URI (repeat for several; needed for authorization_code)',
      collect,
    )
    .option(
      '--post-logout-redirect-uri <uri>',
      'where RP-initiated logout may return the browser (repeat for several)',
      collect,
    )
    .option('--client-id <id>', 'client_id (generated when omitted)')
    .option('--client-uri <url>', 'the client’s home page')
    .option('-s, --scope <scope>', 'space-separated scopes the client may request (default: profile)')
    .option(
      '-g, --grant-type <type>',
      'authorization_code, refresh_token, client_credentials, password or implicit (repeat; default the first two)',
      collect,
    )
    .option('--auth-method <method>', 'client_secret_basic (default), client_secret_post or none')
    .option('--public', 'a public client (token_endpoint_auth_method none, PKCE required)')
    .option('--skip-consent', 'do not ask users for consent (first-party apps)')
    .option('--no-pkce', 'do not require PKCE from this confidential client')
    .option('--introspect', 'may introspect any token (a resource server), not only its own')
    .option(
      '--access-token-ttl <seconds>',
      'this client’s access token lifetime (default: the server’s)',
      Number,
    )
    .option(
      '--refresh-token-ttl <seconds>',
      'this client’s refresh token lifetime (default: the server’s)',
      Number,
    )
    .option('--access-token-format <format>', 'opaque or jwt (RFC 9068); default: the server’s')
    .option('--id-token-alg <alg>', 'ID token signing algorithm: RS256 (default), ES256 or EdDSA')
    .option('--subject-type <type>', 'public (default) or pairwise (a sub of its own for this client’s host)')
    .option('--json', 'print JSON')
    .action(async (opts: CreateOptions) => {
      const config = configFrom(io, program.opts().config);
      const registration: ClientRegistration = {
        client_id: opts.clientId,
        client_name: opts.name,
        client_uri: opts.clientUri,
        redirect_uris: opts.redirectUri,
        post_logout_redirect_uris: opts.postLogoutRedirectUri,
        scope: opts.scope,
        grant_types: opts.grantType as GrantType[] | undefined,
        token_endpoint_auth_method: (opts.public ? 'none' : opts.authMethod) as
          | TokenEndpointAuthMethod
          | undefined,
        skip_consent: opts.skipConsent ?? false,
        require_pkce: opts.pkce,
        introspect: opts.introspect ?? false,
        access_token_ttl: opts.accessTokenTtl,
        refresh_token_ttl: opts.refreshTokenTtl,
        // Checked by registerClient, like every other field.
        access_token_format: opts.accessTokenFormat as ClientRegistration['access_token_format'],
        id_token_signed_response_alg: opts.idTokenAlg as ClientRegistration['id_token_signed_response_alg'],
        subject_type: opts.subjectType as ClientRegistration['subject_type'],
      };
      const { client, clientSecret } = await withStore(config, (store) =>
        registerClient({ store, config, clock: systemClock }, registration),
      );
      if (opts.json) {
        io.out(
          JSON.stringify({ client_id: client.clientId, client_secret: clientSecret ?? undefined }, null, 2),
        );
        return;
      }
      io.out(`client_id:     ${client.clientId}`);
      if (clientSecret) io.out(`client_secret: ${clientSecret}   (shown only now)`);
    });

  clients
    .command('list')
    .description('list registered clients')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const config = configFrom(io, program.opts().config);
      const all = await withStore(config, (store) => listClients({ store, config, clock: systemClock }));
      if (opts.json) {
        io.out(
          JSON.stringify(
            all.map((c) => ({
              client_id: c.clientId,
              client_name: c.clientName,
              redirect_uris: c.redirectUris,
              scope: c.scope.join(' '),
              token_endpoint_auth_method: c.tokenEndpointAuthMethod,
              grant_types: c.grantTypes,
              skip_consent: c.skipConsent,
            })),
            null,
            2,
          ),
        );
        return;
      }
      if (all.length === 0) io.out('No clients are registered.');
      for (const c of all)
        io.out(`${c.clientId}  ${c.clientName}  [${c.scope.join(' ')}]  ${c.redirectUris.join(', ')}`);
    });
}
