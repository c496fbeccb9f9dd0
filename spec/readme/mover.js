// The class of the README's "Moving buffers, host callbacks, ports" snippet.
export class Mover {
  sum(values) {
    let total = 0;
    for (const v of values) total += v;
    return total;
  }

  async train(steps, report) {
    for (let epoch = 1; epoch <= steps; epoch++) await report(epoch, 1 / epoch); // a host callback, awaited
    return steps;
  }

  /** Keeps one end of a channel to another worker; echoes what the other end says. */
  takePort(port) {
    this.port = port;
    port.on('message', (message) => {
      if (message.echo === undefined) port.postMessage({ echo: message.text });
      else this.answered?.(message.echo);
    });
    return true;
  }

  /** Says `text` to the worker at the other end of the port and resolves to its echo. */
  ping(text) {
    return new Promise((resolve) => {
      this.answered = resolve;
      this.port.postMessage({ text });
    });
  }
}
