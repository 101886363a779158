import { type Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { removeSynthOutputs, synthHalo } from './halo-template';

/**
 * cdk-nag's AWS Solutions rules on the AWS target: no finding may remain, error or warning, that is not
 * acknowledged in infra/ with its reason, and no acknowledgment may remain that no finding needs.
 * (infra/app.ts runs the same check on every `cdk synth` and `cdk deploy`.)
 */
afterAll(removeSynthOutputs);

interface Violation {
  readonly ruleName: string;
  readonly severity?: string;
  readonly violatingResources: { readonly constructPath?: string }[];
}

const describeViolations = (violations: readonly Violation[]) =>
  violations.flatMap((v) => v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}`));

/** Every finding, acknowledged or not: cdk-nag's own check with acknowledgments switched off. */
function allFindings(stack: Stack): string[] {
  const pack = new AwsSolutionsChecks();
  (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
  return describeViolations(pack.validateScope(stack).violations as Violation[]);
}

/** Every acknowledgment in the tree: `[construct path, rule id, reason]`. */
function acknowledgments(scope: IConstruct): [string, string, string][] {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]): [string, string, string] => [construct.node.path, id.replace(/^annotation::/i, ''), reason]),
      ),
  );
}

const SYNTHS = {
  'the AWS target': () => synthHalo(),
  'the AWS target with an alarm topic and a custom domain': () =>
    synthHalo({ target: { kind: 'aws', alarmEmail: 'ops@example.com', publicBaseUrl: 'https://id.example.com' } }),
};

describe.each(Object.entries(SYNTHS))('cdk-nag AwsSolutions on %s', (_name, synth) => {
  let stack: Stack;
  beforeAll(() => {
    stack = synth().stack;
  });

  it('finds nothing that is not acknowledged: no error, no warning', () => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
    expect(describeViolations(report.violations as Violation[])).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('has acknowledgments only for findings that are really there (no stale suppression)', () => {
    const findings = allFindings(stack);
    for (const [path, id] of acknowledgments(stack)) {
      if (!id.startsWith('AwsSolutions-')) continue;
      const covered = findings.filter((finding) => finding.includes(` ${id} at ${path}/`) || finding.endsWith(` ${id} at ${path}`));
      expect({ path, id, covered: covered.length > 0 }).toEqual({ path, id, covered: true });
    }
  });

  it('gives every acknowledgment a reason specific enough to review', () => {
    const all = acknowledgments(stack).filter(([, id]) => id.startsWith('AwsSolutions-'));
    expect(all.length).toBeGreaterThan(0);
    for (const [path, id, reason] of all) expect({ path, id, reasonLength: reason.length >= 80 }).toEqual({ path, id, reasonLength: true });
  });
});

it('acknowledges only these kinds of finding (a new kind needs a decision, not a copy-paste)', () => {
  const { stack } = synthHalo({ target: { kind: 'aws', alarmEmail: 'ops@example.com' } });
  const kinds = new Set(acknowledgments(stack).map(([, id]) => id.replace(/\[.*$/, '')));
  // SMG4 (a secret without rotation): the public key set, which the signing-key secret's rotation rewrites (infra/constructs/halo-state.ts).
  expect([...kinds].sort()).toEqual(['AwsSolutions-APIG1', 'AwsSolutions-APIG4', 'AwsSolutions-IAM5', 'AwsSolutions-L1', 'AwsSolutions-SMG4']);
});
