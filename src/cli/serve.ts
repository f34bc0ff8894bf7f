/** `latchkey serve`: the server, with migrations and the first-start admin. */
import type { Config } from '../config/schema.js';
import { type AuthServer, createAuthServer } from '../index.js';
import type { CliIo } from './main.js';

/** Starts the server and prints the admin password once if it was generated. */
export async function startServer(
  io: CliIo,
  config: Config,
): Promise<{ server: AuthServer; address: string }> {
  const server = await createAuthServer({ config });
  const admin = await server.ensureAdminUser();
  if (admin?.password) {
    io.out(`Created the admin account "${admin.username}" with the one-time password: ${admin.password}`);
    io.out('It is shown only now. Store it safely.');
  } else if (admin) {
    io.out(`Created the admin account "${admin.username}" with the configured LATCHKEY_ADMIN_PASSWORD.`);
  }
  const address = await server.listen();
  return { server, address };
}

export async function serve(io: CliIo, config: Config): Promise<void> {
  const { server } = await startServer(io, config);
  io.out(`Latchkey is listening; issuer ${config.issuer}`);
  stopOnSignal(() => server.close());
}

export function stopOnSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}
