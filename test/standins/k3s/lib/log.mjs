// TEST STAND-IN support (not shipped): logging in the two styles the real binaries use, so
// scripts and humans reading journal output of a stand-in see familiar lines.
//  - k3s (logrus):   time="2025-01-02T03:04:05Z" level=info msg="..."
//  - kubeadm/klog:   plain "[phase] message" lines on stdout, errors on stderr.

function logrus(level, msg) {
  const line = `time="${new Date().toISOString()}" level=${level} msg=${JSON.stringify(msg)}\n`;
  process.stderr.write(line);
}

export const k3sLog = {
  info: (msg) => logrus('info', msg),
  warn: (msg) => logrus('warning', msg),
  error: (msg) => logrus('error', msg),
  /** Like logrus.Fatal: print and exit 1 (after running the given cleanup). */
  fatal(msg, cleanup) {
    logrus('fatal', msg);
    Promise.resolve(cleanup?.()).finally(() => process.exit(1));
  },
};
