/** Runs the Shop app with Latchkey on http://localhost:3000 (PORT to change it). */
import { createShopApp } from './app.js';

const port = Number(process.env.PORT ?? 3000);
const shop = await createShopApp({
  issuer: `http://localhost:${port}`,
  databaseUrl: 'sqlite:./shop-latchkey.db',
});
shop.addUser('ada@example.com', 'Ada Lovelace', 'correct horse battery');
const { client, clientSecret } = await shop.latchkey.registerClient({
  client_name: 'Shop app',
  redirect_uris: ['http://localhost:5173/callback'],
  scope: 'openid profile email',
});
console.log(`client_id ${client.clientId}, client_secret ${clientSecret} (shown once)`);
await shop.listen(port);
console.log(`Shop with Latchkey: http://localhost:${port}/.well-known/openid-configuration`);
