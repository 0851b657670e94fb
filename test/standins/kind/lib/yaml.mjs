// kind stand-in: the project's `yaml` package, resolved relative to this file
// (test/standins/kind/lib -> /work/main/node_modules/yaml).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const YAML = require('../../../../node_modules/yaml');

export default YAML;
