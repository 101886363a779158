import { createConnectionsRepository } from '#lib/storage/connections-repository';
import { createTestTable, type TestTable } from '../support/test-table';

let table: TestTable;
beforeAll(async () => {
  table = await createTestTable();
});
afterAll(() => table.close());

describe('connection records against DynamoDB (dynalite)', () => {
  it('deletes a record reported gone only if its socket connected before the cutoff', async () => {
    const connections = createConnectionsRepository(table.db, table.tableName);
    const cutoff = new Date('2026-06-01T12:00:00.000Z');
    await connections.put({ connectionId: 'old=', userId: 'u1', connectedAt: '2026-06-01T11:59:00.000Z' });
    await connections.put({ connectionId: 'young=', userId: 'u1', connectedAt: '2026-06-01T12:00:05.000Z' });

    expect(await connections.deleteIfConnectedBefore('u1', 'old=', cutoff)).toBe(true);
    expect(await connections.deleteIfConnectedBefore('u1', 'young=', cutoff)).toBe(false);
    expect(await connections.deleteIfConnectedBefore('u1', 'never-there=', cutoff)).toBe(false);

    expect(await connections.get('old=')).toBeUndefined();
    expect(await connections.get('young=')).toMatchObject({ userId: 'u1' });
  });
});
