import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { FUNCTIONS, type FunctionSpec } from '../catalog';
import { HaloFunction } from './halo-function';

export const SERVICE_NAME = 'halo';
export const LOG_LEVEL = 'INFO';

export interface HaloFunctionsProps {
  readonly table: ITableV2;
  readonly signingKey: ISecret;
  /** Public base URL: the `iss` of every token and the base of every URL in the OAuth metadata. */
  readonly issuer: string;
}

/** `get-user` → `GetUser`: construct ids (and so logical ids) follow the catalog names. */
export const constructIdOf = (spec: FunctionSpec) => spec.name.replace(/(^|-)(\w)/g, (_match, _dash, letter: string) => letter.toUpperCase());

const GRANTABLE: Record<string, readonly (string | undefined)[]> = {
  table: ['read', 'readwrite'],
  signingKey: ['read', 'rotate'],
};

/** A kind of access this stack cannot grant yet fails the synth, instead of deploying a function that is denied at run time. */
function assertKnownAccess(spec: FunctionSpec): void {
  for (const [resource, level] of Object.entries(spec.access)) {
    if (!GRANTABLE[resource]?.includes(level)) {
      throw new Error(`${spec.name}: infra/ does not know how to grant access "${resource}: ${String(level)}"; add it to HaloFunctions`);
    }
  }
}

/**
 * One HaloFunction per catalog entry, each granted exactly what its `access` says and nothing else:
 * a function that declares no access gets a role with only the basic logging permissions.
 */
export class HaloFunctions extends Construct {
  readonly byName: ReadonlyMap<string, HaloFunction>;

  constructor(scope: Construct, id: string, { table, signingKey, issuer }: HaloFunctionsProps) {
    super(scope, id);

    // Read by lib/config.ts at cold start (via functions/common/runtime.ts), which fails if any is missing.
    // Names and ARNs are not secrets: a function without access to the table or key cannot use them.
    const runtimeConfig = {
      TABLE_NAME: table.tableName,
      ISSUER: issuer,
      SIGNING_KEY_SECRET_ID: signingKey.secretArn,
      LOG_LEVEL,
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    };
    // The rotation function is called by Secrets Manager with the secret's id and never loads
    // runtime.ts, so it needs none of the above (and stays independent of the table and the API).
    const rotationConfig = { LOG_LEVEL, POWERTOOLS_SERVICE_NAME: SERVICE_NAME };

    const byName = new Map<string, HaloFunction>();
    for (const spec of FUNCTIONS) {
      assertKnownAccess(spec);
      const fn = new HaloFunction(this, constructIdOf(spec), {
        spec,
        environment: spec.access.signingKey === 'rotate' ? rotationConfig : runtimeConfig,
      });

      if (spec.access.table === 'read') table.grantReadData(fn);
      if (spec.access.table === 'readwrite') table.grantReadWriteData(fn);
      // 'rotate' is granted by SigningKeyRotation, which knows the exact rotation calls.
      if (spec.access.signingKey === 'read') signingKey.grantRead(fn);

      byName.set(spec.name, fn);
    }
    this.byName = byName;
  }

  get(name: string): HaloFunction {
    const fn = this.byName.get(name);
    if (!fn) throw new Error(`no function named "${name}" in infra/catalog.ts`);
    return fn;
  }
}
