/**
 * `latchkey clients create | list | show | update | delete | rotate-secret`. Every rule is the
 * service's (services/clients.ts, admin-clients.ts), shared with the admin API: options here only
 * turn flags into registration fields.
 */
import type { Command } from 'commander';
import type { Config } from '../config/schema.js';
import { systemClock } from '../protocol/clock.js';
import type { Client, GrantType, TokenEndpointAuthMethod } from '../protocol/types.js';
import {
  deleteClient,
  getClient,
  listClients,
  rotateClientSecret,
  updateClient,
} from '../services/admin-clients.js';
import { PAGE_LIMIT_MAX } from '../services/admin-paging.js';
import { type ClientRegistration, clientMetadata, registerClient } from '../services/clients.js';
import type { ServiceDeps } from '../services/deps.js';
import { type CliIo, configFrom } from './main.js';
import { CLI_ACTOR, withStore } from './users.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface MetadataOptions {
  name?: string;
  redirectUri?: string[];
  postLogoutRedirectUri?: string[];
  clientUri?: string;
  scope?: string;
  grantType?: string[];
  authMethod?: string;
  public?: boolean;
  skipConsent?: boolean;
  pkce?: boolean;
  introspect?: boolean;
  accessTokenTtl?: number;
  refreshTokenTtl?: number;
  accessTokenFormat?: string;
  idTokenAlg?: string;
  subjectType?: string;
  json?: boolean;
}

/** The registration flags, shared by create and update; each --x has its --no-x where it is a switch. */
function withMetadataOptions(command: Command): Command {
  return command
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
    .option('--no-skip-consent', 'ask users for consent')
    .option('--pkce', 'require PKCE (the default)')
    .option('--no-pkce', 'do not require PKCE from this confidential client')
    .option('--introspect', 'may introspect any token (a resource server), not only its own')
    .option('--no-introspect', 'may introspect only its own tokens')
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
    .option('--json', 'print JSON');
}

/** The fields the flags give, as registration input (unchecked: the service checks every field). */
function metadataFromOptions(opts: MetadataOptions): Omit<ClientRegistration, 'client_name'> & {
  client_name?: string;
} {
  const fields: Record<string, unknown> = {
    client_name: opts.name,
    client_uri: opts.clientUri,
    redirect_uris: opts.redirectUri,
    post_logout_redirect_uris: opts.postLogoutRedirectUri,
    scope: opts.scope,
    grant_types: opts.grantType as GrantType[] | undefined,
    token_endpoint_auth_method: (opts.public ? 'none' : opts.authMethod) as
      | TokenEndpointAuthMethod
      | undefined,
    skip_consent: opts.skipConsent,
    require_pkce: opts.pkce,
    introspect: opts.introspect,
    access_token_ttl: opts.accessTokenTtl,
    refresh_token_ttl: opts.refreshTokenTtl,
    access_token_format: opts.accessTokenFormat,
    id_token_signed_response_alg: opts.idTokenAlg,
    subject_type: opts.subjectType,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/** The short listing form `clients list --json` has always printed. */
const listed = (c: Client) => ({
  client_id: c.clientId,
  client_name: c.clientName,
  redirect_uris: c.redirectUris,
  scope: c.scope.join(' '),
  token_endpoint_auth_method: c.tokenEndpointAuthMethod,
  grant_types: c.grantTypes,
  skip_consent: c.skipConsent,
});

async function allClients(deps: ServiceDeps, search: string | undefined): Promise<Client[]> {
  const all: Client[] = [];
  let cursor: string | undefined;
  do {
    const page = await listClients(deps, { search, cursor, limit: PAGE_LIMIT_MAX });
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

export function clientCommands(program: Command, io: CliIo): void {
  const clients = program.command('clients').description('manage client applications');
  const withDeps = <T>(fn: (deps: ServiceDeps, config: Config) => Promise<T>): Promise<T> => {
    const config = configFrom(io, program.opts().config);
    return withStore(config, (store) => fn({ store, config, clock: systemClock }, config));
  };
  const print = (client: Client) =>
    io.out(JSON.stringify({ ...clientMetadata(client), created_at: client.createdAt }, null, 2));

  withMetadataOptions(
    clients
      .command('create')
      .description('register a client; its secret is printed once')
      .requiredOption('-n, --name <name>', 'client_name shown on the consent page')
      .option('--client-id <id>', 'client_id (generated when omitted)'),
  ).action(async (opts: MetadataOptions & { name: string; clientId?: string }) => {
    const registration = { ...metadataFromOptions(opts), client_id: opts.clientId, client_name: opts.name };
    const { client, clientSecret } = await withDeps((deps) => registerClient(deps, registration, CLI_ACTOR));
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
    .option('--search <text>', 'only clients whose client_id or name contains this')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean; search?: string }) => {
      const all = await withDeps((deps) => allClients(deps, opts.search));
      if (opts.json) {
        io.out(JSON.stringify(all.map(listed), null, 2));
        return;
      }
      if (all.length === 0) io.out(opts.search ? 'No client matches.' : 'No clients are registered.');
      for (const c of all)
        io.out(`${c.clientId}  ${c.clientName}  [${c.scope.join(' ')}]  ${c.redirectUris.join(', ')}`);
    });

  clients
    .command('show')
    .description("print a client's registration as JSON (never its secret)")
    .argument('<client_id>', 'the client_id')
    // Generated ids are base64url and may start with '-': taken as the argument, not an option.
    .allowUnknownOption()
    .action(async (clientId: string) => print(await withDeps((deps) => getClient(deps, clientId))));

  withMetadataOptions(
    clients
      .command('update')
      .description('change a client: the options given replace those fields, the others stay')
      .argument('<client_id>', 'the client_id')
      .option('-n, --name <name>', 'client_name shown on the consent page'),
  )
    // After --client-uri: defined first, a --no- option would make the default true.
    .option('--no-client-uri', 'remove the client’s home page')
    .action(
      async (clientId: string, opts: Omit<MetadataOptions, 'clientUri'> & { clientUri?: string | false }) => {
        const patch = { ...metadataFromOptions({ ...opts, clientUri: undefined }) };
        if (opts.clientUri === false) patch.client_uri = null;
        else if (opts.clientUri !== undefined) patch.client_uri = opts.clientUri;
        if (Object.keys(patch).length === 0) throw new Error('nothing to change: give the fields to change');
        const client = await withDeps((deps) => updateClient(deps, clientId, patch, CLI_ACTOR));
        if (opts.json) print(client);
        else io.out(`Updated client ${client.clientId}.`);
      },
    );

  clients
    .command('delete')
    .description('delete a client with every grant, token and consent it has')
    .argument('<client_id>', 'the client_id')
    .allowUnknownOption()
    .action(async (clientId: string) => {
      await withDeps((deps) => deleteClient(deps, clientId, CLI_ACTOR));
      io.out(`Deleted client ${clientId} and everything issued to it.`);
    });

  clients
    .command('rotate-secret')
    .description('issue a new client secret, printed once; the old one stops working now')
    .argument('<client_id>', 'the client_id')
    .option('--json', 'print JSON')
    .action(async (clientId: string, opts: { json?: boolean }) => {
      const secret = await withDeps((deps) => rotateClientSecret(deps, clientId, CLI_ACTOR));
      if (opts.json) io.out(JSON.stringify({ client_id: clientId, client_secret: secret }, null, 2));
      else io.out(`client_secret: ${secret}   (shown only now)`);
    });
}
