/**
 * Preload for running a ksctl process against the FakeAzure stand-in:
 *
 *   KSCTL_FAKE_AZURE_STATE=/tmp/cloud.json node --import <compiled>/test/fakes/azure/install.js bin/ksctl.js create ...
 *
 * Loads the fake cloud from $KSCTL_FAKE_AZURE_STATE (or starts an empty one), removes every Azure
 * credential source from the environment so the machine's real credentials or Azure CLI login are
 * never read, hands the Azure provider a runtime (fake credential, the fake as every SDK client's
 * httpClient, the fake subscription, a fake operator IP) through the symbol the entry point reads and
 * injects (src/cli/provider-hooks.ts), and saves
 * the cloud after every request. A simulated crash saves, then SIGKILLs the process. With
 * $KSCTL_CLOUD_INIT_HOSTS set, VMs that map onto SSH test hosts are booted by the cloud-init
 * stand-in (test/fakes/common/cloud-init-standin.ts, through ./cloud-init.ts).
 * Compile first with buildPreload('azure') (test/fakes/build.ts): Node 20 cannot run TypeScript.
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { AzureRuntime } from '../../../src/cloud/azure/runtime.js';
import { PROVIDER_HOOKS } from '../../../src/cli/provider-hooks.js';
import { persistBetweenProcesses } from '../common/preload.js';
import { azureCloudInitFromEnv } from './cloud-init.js';
import { FAKE_SUBSCRIPTION, FakeAzure } from './fake-azure.js';

const statePath = process.env.KSCTL_FAKE_AZURE_STATE;
if (!statePath) throw new Error('KSCTL_FAKE_AZURE_STATE must name the fake cloud state file');

// What @azure/identity's DefaultAzureCredential and the CLIs it shells out to read: service
// principal and workload identity (AZURE_*), managed identity (MSI_*, IDENTITY_*, IMDS_*), azd
// (AZD_*). The provider is handed the fake credential anyway; this makes a slip harmless.
// A storage connection string stays when it names a loopback blob endpoint (Azurite: the backup
// target a test hands ksctl, test/helpers/cloud-backup.ts); one that could reach Azure goes too.
const keep = (k: string) =>
  k === 'AZURE_STORAGE_CONNECTION_STRING' &&
  /(?:^|;)\s*BlobEndpoint=http:\/\/127\.0\.0\.1:\d+\//i.test(process.env[k] ?? '');
for (const k of Object.keys(process.env)) {
  if (/^(AZURE_|AZD_|MSI_|IDENTITY_|IMDS_)/.test(k) && !keep(k)) delete process.env[k];
}
// An empty Azure CLI config dir: no `az login` of this machine can be found.
const azureConfigDir = `${statePath}.azure-config`;
mkdirSync(azureConfigDir, { recursive: true, mode: 0o700 });
process.env.AZURE_CONFIG_DIR = azureConfigDir;

const fake = existsSync(statePath) ? FakeAzure.load(statePath) : new FakeAzure();
persistBetweenProcesses(fake, statePath);

// $KSCTL_CLOUD_INIT_HOSTS: VMs are SSH test hosts; the cloud-init stand-in boots them.
fake.onVmBoot = azureCloudInitFromEnv();

// The subscription comes from the runtime's env, as AZURE_SUBSCRIPTION_ID would (context.ts
// subscriptionOf), unless the spec names one. A cloud saved without a clock advances per request,
// so its runtime polls (SDK pollers and the provisioning watcher) every 1 ms.
const runtime: Partial<AzureRuntime> = { ...fake.runtime(), env: { AZURE_SUBSCRIPTION_ID: FAKE_SUBSCRIPTION } };
(globalThis as Record<symbol, unknown>)[PROVIDER_HOOKS] = { azure: runtime };
