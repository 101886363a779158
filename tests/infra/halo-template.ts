import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { FUNCTIONS, type FunctionSpec } from '#infra/catalog';
import { PROJECT_ROOT } from '#infra/constructs/halo-function';
import { HaloStack, STACK_ID, type HaloStackProps } from '#infra/halo-stack';
import { LOCALSTACK_DEFAULTS, type HaloTarget, type LocalStackTarget } from '#infra/target';
import { Architecture } from 'aws-cdk-lib/aws-lambda';

/**
 * Helpers shared by the infra tests: synthesize the stack exactly as `cdk synth` does (same feature
 * flags, from cdk.json) and look things up in the resulting CloudFormation template.
 */

export type Json = unknown;
export interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, Json>;
  readonly DependsOn?: string[];
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}
export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: Json;
}

const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, Json> };

export interface SynthOptions extends Partial<Pick<HaloStackProps, 'retainData' | 'stageThrottle' | 'routeThrottlesOn' | 'reservedConcurrencyOn'>> {
  /** AWS (the default), or a LocalStack target such as LOCALSTACK_TARGET. */
  readonly target?: HaloTarget;
  /** Shorthand for an AWS target with this custom domain as ISSUER. */
  readonly publicBaseUrl?: string;
  /**
   * Run esbuild for every function (and `npm ci` for those with native modules, which needs the npm
   * registry on a cold cache). Off by default: the template is the same either way except for asset
   * hashes, and skipping it (CDK's own `aws:cdk:bundling-stacks` switch) makes a synth take a second, offline.
   * tests/infra/bundles.test.ts is the one suite that bundles for real.
   */
  readonly bundle?: boolean;
}

/** Each App synthesizes into its own temp folder (with bundles, ~20 MB); removed by `removeSynthOutputs`. */
const outdirs: string[] = [];

export function synthHalo({ bundle = false, retainData = true, publicBaseUrl, target, stageThrottle, routeThrottlesOn, reservedConcurrencyOn }: SynthOptions = {}) {
  if (target && publicBaseUrl) throw new Error('give publicBaseUrl inside the target');
  const context = { ...cdkJson.context, ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) };
  const app = new App({ context });
  outdirs.push(app.outdir);
  const stack = new HaloStack(app, STACK_ID, { retainData, target: target ?? { kind: 'aws', publicBaseUrl }, stageThrottle, routeThrottlesOn, reservedConcurrencyOn });
  const template = Template.fromStack(stack);
  return { app, stack, template, json: template.toJSON() as { Resources: Record<string, Resource>; Outputs: Record<string, Json> } };
}

export type Synthesized = ReturnType<typeof synthHalo>;

/** The LocalStack target as `docker compose up` deploys it on an x86_64 machine (the compose defaults). */
export const LOCALSTACK_TARGET: LocalStackTarget = { kind: 'localstack', ...LOCALSTACK_DEFAULTS, architecture: Architecture.X86_64 };

/** For afterAll: every test file gets its own copy of this module, so this removes only that file's outputs. */
export function removeSynthOutputs(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export const resourcesOfType = (synth: Synthesized, type: string): [string, Resource][] =>
  Object.entries(synth.json.Resources).filter(([, resource]) => resource.Type === type);

export function onlyResourceOfType(synth: Synthesized, type: string): [string, Resource] {
  const found = resourcesOfType(synth, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as [string, Resource];
}

/**
 * One of the two key secrets, by HaloState's construct id: `SigningKey` (the private key set, for the issuers and
 * the rotation) or `PublicKeySet` (the public keys, for the functions that only verify).
 */
export function keySecretOf(synth: Synthesized, name: 'SigningKey' | 'PublicKeySet'): [string, Resource] {
  const found = resourcesOfType(synth, 'AWS::SecretsManager::Secret').filter(([id]) => new RegExp(`^State${name}[0-9A-F]{8}$`).test(id));
  if (found.length !== 1) throw new Error(`expected one ${name} secret, found ${found.length}`);
  return found[0] as [string, Resource];
}

/** The avatar bucket: the one bucket with a name of its own (the access log bucket, on AWS, has a generated one). */
export function avatarBucketOf(synth: Synthesized): [string, Resource] {
  const found = resourcesOfType(synth, 'AWS::S3::Bucket').filter(([, bucket]) => bucket.Properties.BucketName !== undefined);
  if (found.length !== 1) throw new Error(`expected one named bucket, found ${found.length}`);
  return found[0] as [string, Resource];
}

/**
 * The Lambda built from a catalog entry, found by what the template says (its description) rather
 * than by asking the stack, so a function wired to the wrong spec cannot pass unnoticed.
 */
export function lambdaOf(synth: Synthesized, spec: FunctionSpec): [string, Resource] {
  const found = resourcesOfType(synth, 'AWS::Lambda::Function').filter(([, fn]) => fn.Properties.Description === spec.description);
  if (found.length !== 1) throw new Error(`expected one Lambda described "${spec.description}", found ${found.length}`);
  return found[0] as [string, Resource];
}

export function specNamed(name: string): FunctionSpec {
  const spec = FUNCTIONS.find((candidate) => candidate.name === name);
  if (!spec) throw new Error(`no catalog entry named "${name}"`);
  return spec;
}

/** `{ "Fn::GetAtt": [id, attribute] }` → id, or undefined for anything else. */
export function getAttTarget(value: Json, attribute: string): string | undefined {
  const getAtt = (value as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
  return getAtt && getAtt[1] === attribute ? getAtt[0] : undefined;
}

/** Every logical id named by a Ref or Fn::GetAtt anywhere inside a value (e.g. a Fn::Join). */
export function referencedIds(value: Json): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedIds);
  if (value && typeof value === 'object') {
    const object = value as Record<string, Json>;
    if (typeof object.Ref === 'string') return [object.Ref];
    const getAtt = object['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return [getAtt[0]];
    return Object.values(object).flatMap(referencedIds);
  }
  return [];
}

/** The account and region the stand-ins pretend the stack was deployed to. */
export const STAND_IN_ACCOUNT = '123456789012';
export const STAND_IN_REGION = 'eu-west-1';

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::AccountId': STAND_IN_ACCOUNT,
  'AWS::Region': STAND_IN_REGION,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': STACK_ID,
};

/** What `Ref` returns for each resource type, as a plausible value (an API id looks like one: ten lower-case characters). */
const REF_STAND_INS: Record<string, (logicalId: string) => string> = {
  'AWS::DynamoDB::GlobalTable': () => 'Halo-StateTable-ABC123',
  'AWS::SecretsManager::Secret': (logicalId) => `arn:aws:secretsmanager:${STAND_IN_REGION}:${STAND_IN_ACCOUNT}:secret:${logicalId.replace(/[0-9A-F]{8}$/, '')}-AbCdEf`,
  'AWS::ApiGatewayV2::Api': (logicalId) => apiIdStandIn(logicalId),
};

const GETATT_STAND_INS: Record<string, (logicalId: string, resource: Resource) => string> = {
  'AWS::DynamoDB::GlobalTable.Arn': () => `arn:aws:dynamodb:${STAND_IN_REGION}:${STAND_IN_ACCOUNT}:table/Halo-StateTable-ABC123`,
  'AWS::ApiGatewayV2::Api.ApiEndpoint': (logicalId, resource) =>
    `${resource.Properties.ProtocolType === 'WEBSOCKET' ? 'wss' : 'https'}://${apiIdStandIn(logicalId)}.execute-api.${STAND_IN_REGION}.amazonaws.com`,
};

/** Distinct per API, so a value built from the wrong API cannot pass for the right one. */
export const apiIdStandIn = (logicalId: string) => logicalId.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 10);

/**
 * A template value (string, Ref, Fn::GetAtt, Fn::Join of those) as CloudFormation would resolve it,
 * with each reference replaced by a plausible value of its kind; throws for anything it cannot resolve.
 */
export function standIn(synth: Synthesized, value: Json): string {
  if (typeof value === 'string') return value;
  const object = (value ?? {}) as Record<string, Json>;
  const ref = object.Ref;
  if (typeof ref === 'string') {
    const pseudo = PSEUDO_PARAMETERS[ref];
    if (pseudo !== undefined) return pseudo;
    const type = synth.json.Resources[ref]?.Type;
    const standInOf = type ? REF_STAND_INS[type] : undefined;
    if (standInOf) return standInOf(ref);
  }
  const getAtt = object['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') {
    const resource = synth.json.Resources[getAtt[0]];
    const standInOf = resource ? GETATT_STAND_INS[`${resource.Type}.${String(getAtt[1])}`] : undefined;
    if (resource && standInOf) return standInOf(getAtt[0], resource);
  }
  const join = object['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    return (join[1] as Json[]).map((part) => standIn(synth, part)).join(join[0]);
  }
  throw new Error(`no stand-in for ${JSON.stringify(value)}`);
}

/**
 * A function's environment as Lambda would see it once deployed: each CloudFormation reference is
 * replaced by a plausible value of its kind (table name, secret ARN, API endpoint, bucket name), so
 * the real lib/config.ts can judge it. Lambda itself adds AWS_REGION.
 */
export function deployedEnvironment(synth: Synthesized, spec: FunctionSpec): Record<string, string> {
  const variables = (lambdaOf(synth, spec)[1].Properties.Environment as { Variables?: Record<string, Json> } | undefined)?.Variables ?? {};
  const resolve = (name: string, value: Json) => {
    try {
      return standIn(synth, value);
    } catch (error) {
      throw new Error(`${spec.name}: ${name}: ${(error as Error).message}`);
    }
  };
  return { AWS_REGION: STAND_IN_REGION, ...Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, resolve(name, value)])) };
}

/** The one API Gateway v2 API of a protocol: `HTTP` (the accounts API) or `WEBSOCKET` (live notifications). */
export function apiOfProtocol(synth: Synthesized, protocol: 'HTTP' | 'WEBSOCKET'): [string, Resource] {
  const found = resourcesOfType(synth, 'AWS::ApiGatewayV2::Api').filter(([, api]) => api.Properties.ProtocolType === protocol);
  if (found.length !== 1) throw new Error(`expected one ${protocol} API, found ${found.length}`);
  return found[0] as [string, Resource];
}

/** Resources of a type that belong to one API (their ApiId is a Ref to it): routes, stages, integrations. */
export const resourcesOfApi = (synth: Synthesized, type: string, apiId: string): [string, Resource][] =>
  resourcesOfType(synth, type).filter(([, resource]) => referencedIds(resource.Properties.ApiId).includes(apiId));

/** Logical ids named by a value, without pseudo parameters (`AWS::Region` and the like). */
export const referencedResourceIds = (value: Json): string[] => referencedIds(value).filter((id) => !id.startsWith('AWS::'));

/** All IAM statements that apply to a Lambda's execution role: inline role policies and attached AWS::IAM::Policy resources. */
export function statementsOf(synth: Synthesized, lambda: Resource): Statement[] {
  const roleId = getAttTarget(lambda.Properties.Role, 'Arn');
  if (!roleId) throw new Error('the Lambda has no role of its own');
  const role = synth.json.Resources[roleId];
  const inline = ((role?.Properties.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
  const attached = resourcesOfType(synth, 'AWS::IAM::Policy')
    .filter(([, policy]) => referencedIds(policy.Properties.Roles).includes(roleId))
    .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  return [...inline, ...attached];
}

export const actionsOf = (statements: Statement[]) => statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

export const resourcesOf = (statement: Statement): Json[] => (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]);

/**
 * A dependency cycle among the template's resources (Ref, Fn::GetAtt and DependsOn edges), as the
 * list of logical ids around it, or undefined. CDK does not look for these within a stack; CloudFormation
 * refuses the template ("Circular dependency between resources") only at deploy.
 */
export function dependencyCycle(synth: Synthesized): string[] | undefined {
  const resources = synth.json.Resources;
  const edges = (id: string) => {
    const resource = resources[id];
    const targets = [...referencedIds(resource?.Properties ?? {}), ...(resource?.DependsOn ?? [])];
    return [...new Set(targets)].filter((target) => target in resources);
  };
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    path.push(id);
    for (const target of edges(id)) {
      const cycle = visit(target);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of Object.keys(resources)) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return undefined;
}
