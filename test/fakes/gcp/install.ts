/**
 * Preload for running a ksctl process against the FakeGcp stand-in:
 *
 *   KSCTL_FAKE_GCP_STATE=/tmp/cloud.json node --import <compiled>/test/fakes/gcp/install.js bin/ksctl.js create ...
 *
 * Loads the fake cloud from $KSCTL_FAKE_GCP_STATE (or starts an empty one, on the virtual clock),
 * makes sure no real Google credential can be read, hands the GCP provider a runtime (fake clock,
 * fake operator IP, fake ADC, the fake transport) through the symbol the entry point reads and
 * injects (src/cli/provider-hooks.ts), and saves the
 * cloud after every call. A simulated crash saves, then SIGKILLs the process. With
 * $KSCTL_CLOUD_INIT_HOSTS set, instances that map onto SSH test hosts are booted by the cloud-init
 * stand-in (test/fakes/common/cloud-init-standin.ts, through ./cloud-init.ts).
 * Compile first with buildPreload('gcp') (test/fakes/build.ts): Node 20 cannot run TypeScript.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PROVIDER_HOOKS } from '../../../src/cli/provider-hooks.js';
import { FakeGcp } from './fake-gcp.js';
import { gcpCloudInitFromEnv } from './cloud-init.js';
import { persistBetweenProcesses } from '../common/preload.js';

const statePath = process.env.KSCTL_FAKE_GCP_STATE;
if (!statePath) throw new Error('KSCTL_FAKE_GCP_STATE must name the fake cloud state file');

// The runtime's fake adc() and the fake transport (which replaces the stub that would sign requests)
// already keep google-auth-library out of the way; this is the second belt: nothing in the
// environment names a key file, a gcloud config, external-account settings or a metadata server,
// the gcloud config directory is an empty one, and metadata-server detection is off.
for (const k of Object.keys(process.env)) {
  if (/^(GOOGLE_|GCLOUD_|CLOUDSDK_|GCE_METADATA_)/.test(k)) delete process.env[k];
}
const emptyGcloud = join(dirname(statePath), 'gcloud-config-empty');
mkdirSync(emptyGcloud, { recursive: true });
Object.assign(process.env, { CLOUDSDK_CONFIG: emptyGcloud, METADATA_SERVER_DETECTION: 'none' });

const fake = existsSync(statePath) ? FakeGcp.load(statePath) : new FakeGcp({ clock: 'virtual' });
persistBetweenProcesses(fake, statePath);

// $KSCTL_CLOUD_INIT_HOSTS: instances are SSH test hosts; the cloud-init stand-in boots them.
fake.onInstanceBoot = gcpCloudInitFromEnv();

(globalThis as Record<symbol, unknown>)[PROVIDER_HOOKS] = { gcp: fake.runtime() };
