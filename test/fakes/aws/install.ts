/**
 * Preload for running a ksctl process against the FakeAws stand-in:
 *
 *   KSCTL_FAKE_AWS_STATE=/tmp/cloud.json node --import <compiled>/test/fakes/aws/install.js bin/ksctl.js create ...
 *
 * Loads the fake cloud from $KSCTL_FAKE_AWS_STATE (or starts an empty one), replaces every AWS
 * credential source with fake values so the machine's real credentials are never read, hands the
 * AWS provider a runtime (fake clock, fake operator IP, fake transport) through the symbol the entry point
 * reads and injects (src/cli/provider-hooks.ts), and saves the cloud after every call. A simulated
 * crash saves, then SIGKILLs the process.
 * With $KSCTL_CLOUD_INIT_HOSTS set, instances that map onto SSH test hosts are booted by the
 * cloud-init stand-in (test/fakes/common/cloud-init-standin.ts, through ./cloud-init.ts).
 * Compile first with buildFakeAws() (test/fakes/aws/build.ts): Node 20 cannot run TypeScript.
 */
import { existsSync } from 'node:fs';
import { PROVIDER_HOOKS } from '../../../src/cli/provider-hooks.js';
import { FakeAws } from './fake-aws.js';
import { awsCloudInitFromEnv } from './cloud-init.js';
import { persistBetweenProcesses } from '../common/preload.js';

const statePath = process.env.KSCTL_FAKE_AWS_STATE;
if (!statePath) throw new Error('KSCTL_FAKE_AWS_STATE must name the fake cloud state file');

for (const k of Object.keys(process.env)) {
  if (/^AWS_(PROFILE|DEFAULT_PROFILE|ROLE_ARN|ROLE_SESSION_NAME|WEB_IDENTITY_TOKEN_FILE|CONTAINER_|SSO_)/.test(k))
    delete process.env[k];
}
Object.assign(process.env, {
  AWS_ACCESS_KEY_ID: 'AKIAFAKEKSCTLTESTING',
  AWS_SECRET_ACCESS_KEY: 'fake/secret/for/ksctl/tests',
  AWS_SESSION_TOKEN: 'fake-session',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

const fake = existsSync(statePath) ? FakeAws.load(statePath) : new FakeAws();
persistBetweenProcesses(fake, statePath);

// $KSCTL_CLOUD_INIT_HOSTS: instances are SSH test hosts; the cloud-init stand-in boots them.
fake.onInstanceBoot = awsCloudInitFromEnv();

(globalThis as Record<symbol, unknown>)[PROVIDER_HOOKS] = { aws: fake.runtime() };
