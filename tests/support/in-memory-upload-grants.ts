import type { UploadGrant, UploadGrantsRepository, UploadLanding } from '#lib/storage/upload-grants-repository';

export interface InMemoryUploadGrants extends UploadGrantsRepository {
  /** Grants by upload id, with the write that claimed each. */
  readonly grants: Map<string, UploadGrant & { claimedBy?: string }>;
}

/** UploadGrantsRepository in memory, with the real one's conditions. */
export function createInMemoryUploadGrants(): InMemoryUploadGrants {
  const grants = new Map<string, UploadGrant & { claimedBy?: string }>();
  return {
    grants,
    async issue(grant) {
      if (grants.has(grant.uploadId)) throw new Error('ConditionalCheckFailedException');
      grants.set(grant.uploadId, { ...grant });
    },
    async claim(userId: string, uploadId: string, landing: UploadLanding) {
      const grant = grants.get(uploadId);
      if (grant?.userId !== userId || grant.expiresAt < landing.landedAt.toISOString()) return false;
      if (grant.claimedBy !== undefined && grant.claimedBy !== landing.claim) return false;
      grant.claimedBy = landing.claim;
      return true;
    },
    async consume(uploadId, landing) {
      if (grants.get(uploadId)?.claimedBy === landing.claim) grants.delete(uploadId);
    },
    async withdraw(uploadId) {
      grants.delete(uploadId);
    },
  };
}

/** The landing of one write of an upload, as the S3 event reports it; the same `claim` is a retried event. */
export const landing = (claim = 'write-1', landedAt = new Date()): UploadLanding => ({ claim, landedAt });
