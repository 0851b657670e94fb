/**
 * GCE's user data: the pinned host key (../common/userdata.ts), and the guest agent told to keep it.
 *
 * The guest agent (GoogleCloudPlatform/guest-agent, google_guest_agent/instance_setup.go) runs
 * first-boot actions when the instance ID differs from /etc/google_instance_id; with
 * `[InstanceSetup] set_host_keys = true` (its default) it regenerates a key for every
 * /etc/ssh/ssh_host_*_key present plus `host_key_types`, overwriting the ed25519 key cloud-init just
 * installed, so sshd would serve a key ksctl never pinned. The agent reads
 * /etc/default/instance_configs.cfg (then .distro and .template, later ones overriding) and starts
 * After=network-online.target, while cloud-init writes files Before=network-online.target, so the
 * setting is in place before the agent looks. Appending keeps whatever the image configured.
 */
import { hostKeyUserData, type CloudInitFile } from '../common/userdata.js';

export const GUEST_AGENT_CONFIG: CloudInitFile = {
  path: '/etc/default/instance_configs.cfg',
  permissions: '0644',
  append: true,
  content:
    '# ksctl: keep the SSH host key cloud-init installed (ksctl pins it).\n[InstanceSetup]\nset_host_keys = false\n',
};

export function gcpUserData(hostPrivateKey: string, hostPublicKey: string): string {
  return hostKeyUserData(hostPrivateKey, hostPublicKey, [GUEST_AGENT_CONFIG]);
}
