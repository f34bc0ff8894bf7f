/**
 * The authorization endpoint, /oauth/authorize: RFC 6749 §3.1 (GET), and POST with a form body,
 * which OIDC Core §3.1.2.1 requires ("Authorization Servers MUST support the use of the HTTP GET
 * and POST methods").
 *
 * A POST is answered with a 303 to the GET with the same parameters, before any cookie is read or
 * set. An app's auto-submitting form is a cross-site top-level POST, on which the browser withholds
 * the SameSite=Lax cookies: handled in place, a signed-in user would look signed out (prompt=none
 * would fail with login_required) and a new browser secret would replace the withheld one, ending
 * the interactions and CSRF tokens of the user's other tabs, at any site's will. The GET is a
 * top-level navigation, which carries the cookies; it grants nothing a link to it would not.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from '../../protocol/errors.js';
import { beginAuthorization } from '../../services/authorize.js';
import { isFormEncoded } from '../client-request.js';
import { formBody, type HttpContext, signInState } from '../context.js';
import { ensureBrowserSecret } from '../cookies.js';
import { sendAuthorizationResponse } from '../respond.js';

export const AUTHORIZE_PATH = '/oauth/authorize';
/**
 * The longest query a POST is turned into. Node refuses a request whose request line and headers
 * pass 16 KiB with a bare 431; this leaves room for the browser's other headers, so a form too
 * long to travel as a GET gets an error page instead.
 */
export const MAX_REDIRECT_QUERY = 12_288;

export function authorizeRoute(app: FastifyInstance, ctx: HttpContext): void {
  const page = { config: { errorFormat: 'page' as const } };

  async function authorize(request: FastifyRequest, reply: FastifyReply, params: Record<string, unknown>) {
    const outcome = await beginAuthorization(ctx.deps, params, {
      signIn: () => signInState(ctx, request),
      browserSecret: ensureBrowserSecret(request, reply, ctx.cookies),
    });
    if (outcome.kind === 'respond') return sendAuthorizationResponse(reply, outcome.response, ctx, 302);
    reply.header('Cache-Control', 'no-store');
    return reply.redirect(`/interaction/${outcome.interactionId}`, 302);
  }

  app.get(AUTHORIZE_PATH, page, (request, reply) =>
    authorize(request, reply, request.query as Record<string, unknown>),
  );
  app.post(AUTHORIZE_PATH, page, async (request, reply) => {
    if (!isFormEncoded(request.headers['content-type'])) {
      throw new OAuthError('invalid_request', 'The request must be application/x-www-form-urlencoded');
    }
    const query = asQuery(formBody(request));
    if (query.length > MAX_REDIRECT_QUERY) {
      throw new OAuthError('invalid_request', 'The authorization request is too long', {
        detail: `POST body as a query: ${query.length} characters`,
      });
    }
    reply.header('Cache-Control', 'no-store');
    return reply.redirect(query ? `${AUTHORIZE_PATH}?${query}` : AUTHORIZE_PATH, 303);
  });
}

/**
 * The form's parameters as a query string. A repeated parameter stays repeated, so the GET refuses
 * it (RFC 6749 §3.1) exactly as it would have refused the POST.
 */
function asQuery(body: Record<string, unknown>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(body)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      if (typeof one === 'string') query.append(name, one);
    }
  }
  return query.toString();
}
