import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Helpers for cdk-nag (AWS Solutions rules), which checks the AWS target on every synth (infra/app.ts)
 * and in tests/infra/nag.test.ts. Every finding that stays is acknowledged where the resource is made,
 * with the reason it is right for Halo: the check then fails on anything new.
 */

/**
 * A resource as cdk-nag writes it in a finding id: references flattened to `<LogicalId>` and
 * `<LogicalId.Attribute>`, pseudo parameters to `<AWS::Region>`, joins concatenated.
 */
export function nagResourceName(scope: IConstruct, resource: string): string {
  return flatten(Stack.of(scope).resolve(resource));
}

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 (wildcard permissions) for exactly this resource pattern in
 * the policies of `principal` (a role, or anything above its policy): any other wildcard still fails.
 */
export function acknowledgeScopedWildcard(principal: IConstruct, resource: string, reason: string): void {
  Validations.of(principal).acknowledge({ id: `AwsSolutions-IAM5[Resource::${nagResourceName(principal, resource)}]`, reason });
}

function flatten(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (value && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    const join = node['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) return (join[1] as unknown[]).map(flatten).join(join[0]);
    const getAtt = node['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${flatten(getAtt[0])}.${flatten(getAtt[1])}>`;
    if ('Ref' in node) return `<${flatten(node.Ref)}>`;
  }
  return JSON.stringify(value);
}
