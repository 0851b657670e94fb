/** `-o yaml`: read by scripts, some with YAML 1.1 parsers (PyYAML), so through the shared 1.1-safe writer. */
export { toYaml } from '../util/yaml-write.js';
