import { createInMemorySessions } from './in-memory-sessions';
import type { AvatarDeps } from '#lib/avatars/avatar-deps';
import type { UserRecord, UserStatus } from '#lib/storage/users-repository';
import { fakeClock, type FakeClock } from './account-fixture';
import { createFakeSocketSender, type FakeSocketSender } from './fake-socket-sender';
import { createInMemoryAvatars, type InMemoryAvatars } from './in-memory-avatars';
import { createInMemoryConnections, type InMemoryConnections } from './in-memory-connections';
import { createInMemoryObjects, type InMemoryObjects } from './in-memory-objects';
import { createInMemoryUploadGrants, type InMemoryUploadGrants } from './in-memory-upload-grants';
import { createInMemoryUsers, type InMemoryUsers } from './in-memory-users';
import { journaled } from './journal';

/** User ids are UUIDs in production, and object keys only parse with one. */
export const ALICE = '7d3f1c2a-5b6e-4f80-9a1b-2c3d4e5f6a7b';
export const BOB = '0e9d8c7b-6a5f-4e3d-8c2b-1a0f9e8d7c6b';
export const PUBLIC_BASE_URL = 'https://halo.test';

export function putUser(users: InMemoryUsers, id: string, status: UserStatus = 'active', avatarVersion?: string): UserRecord {
  const user: UserRecord = {
    id,
    identifier: `${id.slice(0, 8)}@example.com`,
    identifierType: 'email',
    identifierKey: `${id.slice(0, 8)}@example.com`,
    passwordHash: '$argon2id$not-a-real-hash',
    registeredAt: '2025-01-01T00:00:00.000Z',
    status,
    avatarVersion,
  };
  users.users.set(id, user);
  return user;
}

export interface AvatarFixture {
  readonly deps: AvatarDeps;
  readonly users: InMemoryUsers;
  readonly avatars: InMemoryAvatars;
  readonly objects: InMemoryObjects;
  readonly uploadGrants: InMemoryUploadGrants;
  readonly connections: InMemoryConnections;
  readonly sockets: FakeSocketSender;
  readonly clock: FakeClock;
  /** Every call into avatars, objects, connections and sockets, in order (see journal.ts). */
  readonly journal: string[];
  /** Records an open socket of a user. */
  connect(userId: string, connectionId: string): Promise<void>;
}

/**
 * Avatar dependencies on in-memory fakes; ALICE and BOB exist and are active. The announcer does not
 * wait between its checks (settleDelaysMs of zeros), so nothing here ever sleeps.
 */
export function avatarFixture(): AvatarFixture {
  const users = createInMemoryUsers();
  const avatars = createInMemoryAvatars(users);
  const objects = createInMemoryObjects();
  const uploadGrants = createInMemoryUploadGrants();
  const connections = createInMemoryConnections();
  const sockets = createFakeSocketSender();
  const sessions = createInMemorySessions(users);
  const clock = fakeClock();
  const journal: string[] = [];
  putUser(users, ALICE);
  putUser(users, BOB);
  const deps: AvatarDeps = {
    avatars: journaled('avatars', avatars, journal),
    objects: journaled('objects', objects, journal),
    uploadGrants: journaled('uploadGrants', uploadGrants, journal),
    connections: journaled('connections', connections, journal),
    sockets: journaled('sockets', sockets, journal),
    sessions,
    publicBaseUrl: PUBLIC_BASE_URL,
    clock,
    settleDelaysMs: [0, 0, 0],
  };
  // Each socket with a live session of its own, as `$connect` records it: delivery re-checks that session.
  const connect = (userId: string, connectionId: string) => {
    const sessionId = `session-of-${connectionId}`;
    sessions.sessions.set(sessionId, { id: sessionId, userId, clientId: 'web' });
    return connections.put({ connectionId, userId, connectedAt: clock().toISOString(), sessionId });
  };
  return { deps, users, avatars, objects, uploadGrants, connections, sockets, clock, journal, connect };
}
