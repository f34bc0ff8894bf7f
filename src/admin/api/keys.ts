/** /admin/api/v1/keys: the JWT signing keys — list, rotate, retire (as `latchkey keys` does). */
import { retireKey, rotateKeys } from '../../services/admin-keys.js';
import { listSigningKeys } from '../../services/signing-keys.js';
import { type AdminRoute, defineRoute } from './route.js';
import { KeyList, KeyParams, KeyRetirement, KeyRotate, KeyRotation } from './schemas.js';

export const keyRoutes: AdminRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/keys',
    operationId: 'listKeys',
    summary: 'List signing keys and what each does now',
    tag: 'keys',
    responses: { 200: { description: 'Every stored key, oldest first', schema: KeyList } },
    async handle({ ctx }) {
      const keys = await listSigningKeys(ctx.deps);
      const items = keys.map((k) => ({
        kid: k.kid,
        alg: k.alg,
        status: k.status,
        created_at: k.createdAt,
        retire_at: k.retireAt,
        ...(k.problem !== undefined && { problem: k.problem }),
      }));
      return { status: 200, body: { items } };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/keys/rotate',
    operationId: 'rotateKeys',
    summary: 'Make a new signing key; the old one stays published until its tokens have expired',
    tag: 'keys',
    body: KeyRotate,
    bodyOptional: true,
    responses: { 200: { description: 'The new keys and those they replace', schema: KeyRotation } },
    async handle({ body, ctx }) {
      const results = await rotateKeys(ctx.deps, body.alg ? { alg: body.alg } : {}, ctx.actor);
      const rotated = results.map((r) => ({
        alg: r.alg,
        kid: r.kid,
        retiring: r.retiring,
        retire_at: r.retireAt,
      }));
      return { status: 200, body: { rotated } };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/keys/{kid}/retire',
    operationId: 'retireKey',
    summary: 'Take a key out of use and out of the JWKS now (a compromised key)',
    tag: 'keys',
    params: KeyParams,
    responses: { 200: { description: 'Retired', schema: KeyRetirement } },
    async handle({ params, ctx }) {
      const r = await retireKey(ctx.deps, params.kid, ctx.actor);
      const body = { kid: r.kid, alg: r.alg, was_signing: r.wasSigning, signing_kid: r.signingKid };
      return { status: 200, body };
    },
  }),
];
