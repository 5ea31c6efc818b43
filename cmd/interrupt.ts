// Ctrl-C (SIGINT) and SIGTERM. The process exits with 130/143 as shells expect, but first whatever is in progress
// says what the interruption means: an operation already sent goes on in UCloud, and the user is told how to follow
// it. Handlers run newest first (the innermost activity speaks first).

export type InterruptSignal = 'SIGINT' | 'SIGTERM';
type Handler = (signal: InterruptSignal) => void;

const handlers: Handler[] = [];

/** Registers what to do on an interruption while something is in progress; returns the function that unregisters it. */
export function onInterrupt(handler: Handler): () => void {
  handlers.push(handler);
  return () => {
    const i = handlers.lastIndexOf(handler);
    if (i >= 0) handlers.splice(i, 1);
  };
}

/** Runs the registered handlers (each at most once); the caller exits the process afterwards. */
export function interrupted(signal: InterruptSignal): void {
  for (const h of handlers.splice(0).reverse()) {
    try {
      h(signal);
    } catch {
      // Exiting anyway: a failing handler must not keep the process alive.
    }
  }
}

export function exitCodeOfSignal(signal: InterruptSignal): number {
  return signal === 'SIGINT' ? 130 : 143;
}
