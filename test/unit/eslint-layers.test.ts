/**
 * The `ksctl/layers` lint rule (scripts/eslint-layers.mjs): src/ imports flow one way. Run through ESLint's
 * own RuleTester, with paths resolved as the rule resolves them (from the importing file), so the check does
 * not depend on how many `../` an import has.
 */
import path from 'node:path';
import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, it } from 'vitest';
import plugin from '../../scripts/eslint-layers.mjs';

RuleTester.describe = describe;
RuleTester.it = it;

const root = path.resolve(import.meta.dirname, '../..');
const at = (file: string) => path.join(root, file);
const tester = new RuleTester({ languageOptions: { parser: tseslint.parser } });
const rule = plugin.rules.layers;

tester.run('ksctl/layers', rule, {
  valid: [
    // down the layers, and within one folder
    { filename: at('src/commands/create.ts'), code: "import { x } from '../managers/managed.js';" },
    { filename: at('src/managers/selfmanaged/plan.ts'), code: "import { x } from '../../cloud/types.js';" },
    { filename: at('src/cloud/aws/machines.ts'), code: "import type { X } from '../../state/types.js';" },
    { filename: at('src/cloud/aws/machines.ts'), code: "import { x } from '../common/record.js';" },
    { filename: at('src/api/defaults.ts'), code: "import { InputError } from '../errors.js';" },
    { filename: at('src/state/local/store.ts'), code: "const m = await import('../../api/types.js');" },
    // packages and files outside src/ are not this rule's business
    { filename: at('src/cloud/aws/clients.ts'), code: "import type { EC2 } from '@aws-sdk/client-ec2';" },
    { filename: at('test/unit/x.test.ts'), code: "import { x } from '../../src/cli/main.js';" },
  ],
  invalid: [
    {
      filename: at('src/cloud/aws/machines.ts'),
      code: "import type { X } from '../../managers/types.js';",
      errors: [{ messageId: 'upward', data: { from: 'cloud', to: 'managers', spec: '../../managers/types.js' } }],
    },
    {
      // siblings of one rank: distro never knows which cloud made a machine
      filename: at('src/distro/ssh/connect.ts'),
      code: "export { x } from '../../cloud/common/keys.js';",
      errors: [{ messageId: 'upward', data: { from: 'distro', to: 'cloud', spec: '../../cloud/common/keys.js' } }],
    },
    {
      filename: at('src/state/local/store.ts'),
      code: "const p = await import('../../pipeline/types.js');",
      errors: [{ messageId: 'upward' }],
    },
    {
      filename: at('src/util/x.ts'),
      code: "let t: import('../io/console.js').ConsoleIo;",
      errors: [{ messageId: 'upward' }],
    },
    {
      filename: at('src/api/types.ts'),
      code: "import { fake } from '../../test/fakes/aws/model.js';",
      errors: [{ messageId: 'outside' }],
    },
    {
      filename: at('src/newlayer/x.ts'),
      code: "import { y } from '../util/y.js';",
      errors: [{ messageId: 'unknown', data: { layer: 'newlayer' } }],
    },
  ],
});
