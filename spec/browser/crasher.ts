/** A class whose worker dies outside any call: the browser spec checks the pool treats it as a crashed worker. */
export class Crasher {
  ping(): string {
    return 'pong';
  }

  /** Throws from a timer (an uncaught error in the worker) while a call is still waiting for its answer. */
  crashSoon(): Promise<never> {
    setTimeout(() => {
      throw new Error('uncaught in the worker');
    }, 10);
    return new Promise(() => {});
  }
}
