/** Wall-clock time for the screens, ticking on the second (one timer for the whole UI). */
export class Clock {
  now = $state(Date.now());
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly read: () => number = Date.now) {
    this.now = read();
  }

  start(): void {
    const tick = () => {
      this.now = this.read();
      this.timer = setTimeout(tick, 1000 - (this.now % 1000) + 5);
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
