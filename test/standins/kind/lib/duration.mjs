// kind stand-in: Go time.Duration parsing/printing for the --wait flag.

const UNITS = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };

/** time.ParseDuration, in milliseconds; throws Go's messages. */
export function parseDuration(input) {
  const bad = (why = 'invalid duration') => new Error(`time: ${why} ${JSON.stringify(input)}`);
  let s = input;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    sign = s[0] === '-' ? -1 : 1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw bad();
  let total = 0;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s);
    const [num, int = '', frac] = m;
    if (int === '' && (frac === undefined || frac === '')) throw bad();
    s = s.slice(num.length);
    const unit = /^[^\d.]*/.exec(s)[0];
    if (unit === '') throw bad('missing unit in duration');
    if (!(unit in UNITS))
      throw new Error(`time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(input)}`);
    s = s.slice(unit.length);
    total += Number(`${int || '0'}.${frac || '0'}`) * UNITS[unit];
  }
  return sign * total;
}

/** duration.Round(time.Second).String(), e.g. "0s", "45s", "5m0s", "1h0m0s". */
export function formatSeconds(ms) {
  let secs = Math.round(Math.abs(ms) / 1000);
  const sign = ms < 0 && secs > 0 ? '-' : '';
  if (secs === 0) return '0s';
  const h = Math.floor(secs / 3600);
  secs -= h * 3600;
  const m = Math.floor(secs / 60);
  secs -= m * 60;
  if (h > 0) return `${sign}${h}h${m}m${secs}s`;
  if (m > 0) return `${sign}${m}m${secs}s`;
  return `${sign}${secs}s`;
}
