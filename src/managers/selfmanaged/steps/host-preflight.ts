/**
 * Preflight on the machines themselves, after they answer SSH and before anything is installed on any
 * of them: every machine that will run a kubelet (control planes, workers) must run cgroup v2, unless
 * the spec's `kubelet.allowCgroupV1` consents to cgroup v1. Without it the kubelet of Kubernetes 1.35
 * and later refuses to start, and the node would crash-loop after a full install.
 */
import type { PlannedMachine } from '../../../cloud/types.js';
import { CGROUP2_FS, hostFactsScript, parseHostFacts } from '../../../distro/scripts/host-facts.js';
import { PrerequisiteError } from '../../../errors.js';
import { stepId } from './ids.js';
import type { BootstrapStep } from './types.js';

export const CGROUP_V1_HINT =
  'boot them with cgroup v2 (systemd.unified_cgroup_hierarchy=1 on the kernel command line, the default of current distributions), ' +
  'or set spec.kubelet.allowCgroupV1: true in the cluster file to run the kubelet there anyway (failCgroupV1: false; cgroup v1 is deprecated)';

/** The verdict, pure: the machines without cgroup v2, as one error, or nothing (none, or consent given). */
export function cgroupVerdict(
  facts: { machine: string; cgroupFs: string }[],
  allowCgroupV1: boolean,
): PrerequisiteError | undefined {
  const v1 = facts.filter((f) => f.cgroupFs !== CGROUP2_FS);
  if (v1.length === 0 || allowCgroupV1) return undefined;
  const list = v1.map((f) => `${f.machine} (/sys/fs/cgroup is ${f.cgroupFs})`).join(', ');
  return new PrerequisiteError(
    `${v1.length === 1 ? 'machine' : 'machines'} ${list} ${v1.length === 1 ? 'has' : 'have'} no cgroup v2: the kubelet of Kubernetes 1.35 and later refuses to start on cgroup v1; nothing was installed`,
    { hint: CGROUP_V1_HINT },
  );
}

/** One step checking `machines` (all at once, so one error names every offender). */
export function hostPreflightStep(machines: PlannedMachine[], needs: string[]): BootstrapStep {
  return {
    id: stepId.hostPreflight,
    title: `Check ${machines.length} machine${machines.length === 1 ? '' : 's'} can run the kubelet (cgroup v2)`,
    needs,
    describe: async () => machines.map((m) => ({ machine: m.name, scripts: [hostFactsScript()] })),
    async run(ctx) {
      const facts = await Promise.all(
        machines.map(async (p) => {
          const [out = ''] = await ctx.exec(ctx.machine(p.name), [hostFactsScript()]);
          return { machine: p.name, cgroupFs: parseHostFacts(out).cgroupFs };
        }),
      );
      // A spec recorded before `kubelet` existed has none: no consent.
      const allow = ctx.spec.kubelet?.allowCgroupV1 === true;
      const refused = cgroupVerdict(facts, allow);
      if (refused) throw refused;
      const v1 = facts.filter((f) => f.cgroupFs !== CGROUP2_FS).map((f) => f.machine);
      if (v1.length > 0)
        ctx.log.warn(`cgroup v1 on ${v1.join(', ')}: the kubelet is told to accept it (spec.kubelet.allowCgroupV1)`);
    },
  };
}
