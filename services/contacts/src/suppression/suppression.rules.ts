import type { IdentifierHashKey } from '@leadgraph/platform';
import type { HashedIdentifier } from '../contacts/contact.rules';
import type { SuppressionOriginType } from './suppression.model';

/**
 * Hashes of an opt-out this service can match: only those made with its own key version (a
 * hash made with another key can never equal ours, and is reported rather than silently ignored).
 */
export function matchableHashes(identifiers: readonly HashedIdentifier[], key: IdentifierHashKey): { usable: HashedIdentifier[]; otherKeyVersions: number[] } {
  const usable = identifiers.filter((identifier) => identifier.keyVersion === key.version);
  const otherKeyVersions = [...new Set(identifiers.filter((identifier) => identifier.keyVersion !== key.version).map((identifier) => identifier.keyVersion))];
  return { usable, otherKeyVersions };
}

/** Suppression case id of an origin: the same opt-out handled twice is one case. */
export function suppressionCaseId(origin: { type: SuppressionOriginType; id: string }): string {
  return `${origin.type}:${origin.id}`;
}
