import type { Distribution } from '../../api/types.js';
import { k3sController } from './k3s.js';
import { kubeadmController } from './kubeadm.js';
import type { DistroController } from './types.js';

export function distroController(name: Distribution): DistroController {
  return name === 'k3s' ? k3sController() : kubeadmController();
}
export type { DistroController, Topology } from './types.js';
export { privateAddress, reachableAddress } from './types.js';
