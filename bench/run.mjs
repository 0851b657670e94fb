// `npm run bench`: every benchmark, each printing ratios against a baseline measured in the same run.
import { benchStartup } from './startup.mjs';

const only = process.argv[2];
const sections = [['startup', () => benchStartup()]];
for (const [name, run] of sections) {
  if (only && only !== name) continue;
  const { lines } = await run();
  console.log(lines.join('\n'));
  console.log('');
}
