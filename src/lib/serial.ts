/**
 * Runs async tasks one at a time, in the order they were handed over; a task that fails
 * does not stop the ones after it. Changes that read, check and then write (an
 * organization's existence before it is created, a key's state before it is revoked) run
 * through one, so that two requests cannot both pass the check.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
