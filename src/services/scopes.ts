/** Human descriptions of scopes, for the consent page. */
const DESCRIPTIONS: Record<string, string> = {
  openid: 'Confirm your identity',
  profile: 'See your name, user name and profile details',
  email: 'See your email address',
  address: 'See your postal address',
  phone: 'See your phone number',
  offline_access: 'Keep access while you are away',
  'latchkey:admin': 'Administer this sign-in service: apps, users, keys and the audit log',
};

export function describeScope(name: string): { name: string; description: string } {
  return { name, description: DESCRIPTIONS[name] ?? `Use the “${name}” permission` };
}
