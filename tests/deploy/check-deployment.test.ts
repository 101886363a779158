import { matchRoute } from '#infra/route-matching';
import { httpApiEvent, runChecks, stackOutputs } from '#deploy/check-deployment';

/** The deployer's post-deploy checks (deploy/check-deployment.ts): the parts that need no LocalStack. */
describe('the deployer checks', () => {
  const outputs = {
    TableName: 'Halo-StateTable-1',
    AvatarBucketName: 'halo-avatars-000000000000-us-east-1',
    SigningKeySecretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:x',
    HttpApiUrl: 'http://localhost:3000',
    WebSocketUrl: 'ws://localhost:3000/ws',
    DocsUrl: 'http://localhost:3000/docs',
  };

  it("reads the stack's outputs from `cdk deploy --outputs-file`", () => {
    expect(stackOutputs({ Halo: { ...outputs, IssuerUrl: 'http://localhost:3000' } }, 'Halo')).toEqual(outputs);
  });

  it('names the outputs that are missing, or the stack that is', () => {
    expect(() => stackOutputs({ Halo: { TableName: 't' } }, 'Halo')).toThrow(/lack AvatarBucketName, SigningKeySecretArn, HttpApiUrl, WebSocketUrl, DocsUrl/);
    expect(() => stackOutputs({}, 'Halo')).toThrow(/stack Halo lack/);
  });

  it('runs every check, even after a failure, and reports each failure with its reason', async () => {
    const lines: string[] = [];
    const failures = await runChecks(
      [
        { name: 'first', run: async () => undefined },
        { name: 'second', run: async () => Promise.reject(new Error('table is CREATING')) },
        { name: 'third', run: async () => undefined },
      ],
      (line) => lines.push(line),
    );
    expect(failures).toEqual(['second: table is CREATING']);
    expect(lines).toEqual(['  ✓ first', '  ✗ second: table is CREATING', '  ✓ third']);
  });

  it('invokes functions with a payload-2.0 event for a route the catalog has', () => {
    const event = httpApiEvent('GET', '/.well-known/jwks.json');
    expect(event).toMatchObject({ version: '2.0', rawPath: '/.well-known/jwks.json', requestContext: { http: { method: 'GET' }, stage: '$default' } });
    expect(matchRoute('GET', event.rawPath)?.routeKey).toBe(event.routeKey);
  });
});
