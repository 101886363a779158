import { readFile } from 'node:fs/promises';
import { OUTPUTS, generatedTypes } from '../scripts/generate-types';

/** The client's types come from docs/openapi.yaml and docs/asyncapi.yaml: a checked-in file that differs from a fresh generation is stale. */
describe('the generated types', () => {
  it('are what `npm run generate` makes from the specifications today', async () => {
    const fresh = await generatedTypes();
    expect(await readFile(OUTPUTS.openapi, 'utf8')).toBe(fresh.openapi);
    expect(await readFile(OUTPUTS.asyncapi, 'utf8')).toBe(fresh.asyncapi);
  });
});
