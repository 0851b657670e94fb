/**
 * The part every fake cloud's subprocess preload (test/fakes/<cloud>/install.ts) shares: the fake
 * lives in a state file between ksctl processes. Each call saves it; a simulated crash saves it with
 * the crash disarmed (the next process is the re-run) and then SIGKILLs this process, as a real
 * crash would end it: no finally blocks, no state written afterwards.
 */
import { failProcessOnModelProblems } from './model-problems.js';

export interface PersistedFake {
  crashed: boolean;
  faults: { crash?: unknown };
  onCall: (() => void) | undefined;
  onCrash: (() => void) | undefined;
  save(path: string): void;
}

export function persistBetweenProcesses(fake: PersistedFake, statePath: string): void {
  // A request the cloud's model rejects reaches the test process, and fails this one (model-problems.ts).
  failProcessOnModelProblems();
  fake.crashed = false; // this process is the re-run after whatever happened before
  fake.onCall = () => fake.save(statePath);
  fake.onCrash = () => {
    fake.faults.crash = undefined;
    fake.crashed = false;
    fake.save(statePath);
    process.kill(process.pid, 'SIGKILL');
  };
}
