import type { PendingDeletion, PendingDeletionsRepository } from '#lib/storage/pending-deletions-repository';

/** PendingDeletionsRepository kept in a Map keyed as the table keys them (`<markedAt>#<userId>`), listed in key order. */
export interface InMemoryPendingDeletions extends PendingDeletionsRepository {
  readonly records: Map<string, PendingDeletion>;
}

const keyOf = (deletion: PendingDeletion) => `${deletion.markedAt}#${deletion.userId}`;

export function createInMemoryPendingDeletions(): InMemoryPendingDeletions {
  const records = new Map<string, PendingDeletion>();
  return {
    records,
    async record(deletion) {
      records.set(keyOf(deletion), { ...deletion });
    },
    async remove(deletion) {
      records.delete(keyOf(deletion));
    },
    async listStartedBefore(cutoff, limit) {
      return [...records.entries()]
        .filter(([key]) => key < cutoff.toISOString())
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .slice(0, limit)
        .map(([, deletion]) => ({ ...deletion }));
    },
  };
}
