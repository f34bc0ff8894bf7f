/**
 * Signing-key changes made by an administrator, recorded in the audit log: the rotation and
 * retirement rules are signing-keys.ts's; this adds who did it. Key material never reaches the
 * log, only kids and algorithms.
 */
import type { SigningAlgorithm } from '../crypto/keys.js';
import { type AuditActor, recordAudit } from './audit.js';
import type { ServiceDeps } from './deps.js';
import { type RetireResult, type RotateResult, retireSigningKey, rotateSigningKeys } from './signing-keys.js';

export async function rotateKeys(
  deps: ServiceDeps,
  options: { alg?: SigningAlgorithm },
  actor: AuditActor,
): Promise<RotateResult[]> {
  const results = await rotateSigningKeys(deps, options);
  if (results.length > 0) {
    await recordAudit(deps, {
      actor,
      action: 'admin.keys.rotated',
      target: { type: 'signing_key', id: results.map((r) => r.kid).join(' ') },
      details: { rotated: results.map((r) => ({ alg: r.alg, kid: r.kid, retiring: r.retiring })) },
    });
  }
  return results;
}

export async function retireKey(deps: ServiceDeps, kid: string, actor: AuditActor): Promise<RetireResult> {
  const result = await retireSigningKey(deps, kid);
  await recordAudit(deps, {
    actor,
    action: 'admin.keys.retired',
    target: { type: 'signing_key', id: result.kid },
    details: { alg: result.alg, wasSigning: result.wasSigning, signingKid: result.signingKid },
  });
  return result;
}
