/** Runs the Notes app with Latchkey on http://localhost:3000 (PORT to change it). */
import { createNotesApp } from './app.js';

const port = Number(process.env.PORT ?? 3000);
const notes = await createNotesApp({
  issuer: `http://localhost:${port}`,
  databaseUrl: 'sqlite:./notes-latchkey.db',
});
// The app's user table is in memory in this demo: one user to sign in with.
notes.users.add('ada@example.com', 'Ada Lovelace', 'correct horse battery');
const client = await notes.latchkey.registerClient({
  client_name: 'Notes mobile',
  redirect_uris: ['http://localhost:5173/callback'],
  scope: 'openid profile email',
});
console.log(`client_id ${client.client.clientId}, client_secret ${client.clientSecret} (shown once)`);
await notes.app.listen({ port });
console.log(`Notes with Latchkey: http://localhost:${port}/.well-known/openid-configuration`);
