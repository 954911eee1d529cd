// Progress of a long CLI job (training, studies): a bar with images/s and time left redrawn in place on
// a terminal, plain lines (one per epoch or task, never per batch) when the output is a log or a pipe,
// JSON lines for programs, nothing at all when quiet. Every progress command shares this one display so
// the flags and the JSON shape are the same everywhere. Progress goes to the stream given (the commands
// use stderr), so stdout keeps only a command's results.

export interface ProgressStream { write(chunk: string): unknown; isTTY?: boolean; columns?: number }

/** bar: redraw one line with \r (a terminal); lines: plain lines; json: one JSON object per event; quiet: nothing. */
export type ProgressMode = 'bar' | 'lines' | 'json' | 'quiet';

export type ProgressFields = Record<string, string | number | boolean | null>;

/** --quiet wins over --json (asked for silence, gets silence); otherwise a terminal gets the bar. */
export function progressMode(stream: ProgressStream, flags: { quiet?: unknown; json?: unknown }): ProgressMode {
  if (flags.quiet) return 'quiet';
  if (flags.json) return 'json';
  return stream.isTTY ? 'bar' : 'lines';
}

/** Seconds as m:ss or h:mm:ss; '--:--' while unknown. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const two = (v: number) => String(v).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(r)}` : `${m}:${two(r)}`;
}

/** Units per second with about three significant digits ('– img/s' while unknown). */
export function formatRate(perSecond: number | null, unit = 'img'): string {
  if (perSecond === null || !Number.isFinite(perSecond)) return `– ${unit}/s`;
  const v = perSecond >= 100 ? perSecond.toFixed(0) : perSecond >= 10 ? perSecond.toFixed(1) : perSecond.toFixed(2);
  return `${v} ${unit}/s`;
}

/** A bar of exactly `width` cells, the done part filled (fraction clamped to [0, 1]). */
export function renderBar(fraction: number, width: number): string {
  if (!Number.isInteger(width) || width < 0) throw new RangeError(`renderBar: width must be a non-negative integer, got ${width}`);
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const full = Math.floor(f * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
}

/**
 * Work per second over a sliding window of the last `windowMs`: the recent rate follows a job that
 * speeds up or slows down (replay growing the batches, another process taking the cores) better than
 * the rate since the start, while still averaging over many batches.
 */
export class RateMeter {
  private samples: { t: number; done: number }[] = [];
  constructor(readonly windowMs = 10_000) {}

  record(timeMs: number, done: number): void {
    this.samples.push({ t: timeMs, done });
    // Keep the newest sample at or before the window's start as the base, so the span covers the window.
    while (this.samples.length > 2 && this.samples[1].t <= timeMs - this.windowMs) this.samples.shift();
  }

  /** Units per second, null until two samples lie apart in time. */
  rate(): number | null {
    const n = this.samples.length;
    if (n < 2) return null;
    const a = this.samples[0], b = this.samples[n - 1];
    return b.t > a.t ? (b.done - a.done) / ((b.t - a.t) / 1000) : null;
  }
}

export interface ProgressOptions {
  /** The command as typed after `bitspike` (named in JSON events). */
  command: string;
  mode: ProgressMode;
  stream: ProgressStream;
  /** Unit of work in JSON events (plural) and on the bar (short form before /s). */
  unit?: { name: string; short: string };
  /** Milliseconds now (tests pass a fake clock). */
  clock?: () => number;
  /** Least time between two redraws of the bar, and between two JSON 'update' events. */
  redrawMs?: number;
  jsonIntervalMs?: number;
  windowMs?: number;
  /** Cells of the bar itself. */
  barWidth?: number;
}

export class ProgressBar {
  readonly mode: ProgressMode;
  private readonly out: ProgressStream;
  private readonly clock: () => number;
  private readonly meter: RateMeter;
  private readonly startMs: number;
  private readonly unit: { name: string; short: string };
  private total = 0;
  private doneUnits = 0;
  private deadlineSec: number | null = null;
  private lastDraw = -Infinity;
  private lastJson = -Infinity;
  /** The bar line as last drawn ('' when none is on screen). */
  private shown = '';
  private status = '';
  private suffix = '';

  constructor(private readonly o: ProgressOptions) {
    this.mode = o.mode;
    this.out = o.stream;
    this.clock = o.clock ?? (() => performance.now());
    this.meter = new RateMeter(o.windowMs);
    this.unit = o.unit ?? { name: 'images', short: 'img' };
    this.startMs = this.clock();
    this.meter.record(this.startMs, 0);
  }

  get done(): number { return this.doneUnits; }
  get totalWork(): number { return this.total; }

  /** The whole job's work in units; may change as the job learns more (a task's real size, an early stop). */
  setTotal(total: number): void { this.total = Math.max(0, total); }

  /** A wall-clock limit (seconds from the start) that caps the time left, e.g. a --time-budget. */
  setDeadline(seconds: number | null): void { this.deadlineSec = seconds; }

  elapsedSeconds(): number { return (this.clock() - this.startMs) / 1000; }

  rate(): number | null { return this.meter.rate(); }

  /** Seconds left: remaining work over the recent rate (capped by a deadline); null while unknown. */
  etaSeconds(): number | null {
    const r = this.meter.rate();
    let eta = r !== null && r > 0 ? Math.max(0, this.total - this.doneUnits) / r : null;
    if (this.doneUnits >= this.total && this.total > 0) eta = 0;
    if (this.deadlineSec !== null) {
      const left = Math.max(0, this.deadlineSec - this.elapsedSeconds());
      eta = eta === null ? left : Math.min(eta, left);
    }
    return eta;
  }

  fraction(): number { return this.total > 0 ? Math.min(1, this.doneUnits / this.total) : 0; }

  /**
   * `units` more work done. `status` leads the bar (where the job is: task, epoch), `suffix` follows it
   * (e.g. the loss), `fields` go into the JSON event. Redraws at most every redrawMs; JSON 'update'
   * events at most every jsonIntervalMs.
   */
  advance(units: number, status: string, fields: ProgressFields = {}, suffix = ''): void {
    this.doneUnits += units;
    const now = this.clock();
    this.meter.record(now, this.doneUnits);
    this.status = status;
    this.suffix = suffix;
    if (this.mode === 'bar' && now - this.lastDraw >= (this.o.redrawMs ?? 100)) {
      this.lastDraw = now;
      this.draw();
    } else if (this.mode === 'json' && now - this.lastJson >= (this.o.jsonIntervalMs ?? 1000)) {
      this.lastJson = now;
      this.emit('update', fields);
    }
  }

  /**
   * A milestone of the job (an epoch or a task finished or started): a plain line with the rate and
   * time left when not on a terminal (where the bar already shows it), a JSON 'step' event.
   */
  step(text: string, fields: ProgressFields = {}): void {
    if (this.mode === 'lines') this.out.write(`${text}${this.rateNote()}\n`);
    else if (this.mode === 'json') this.emit('step', { message: text, ...fields });
  }

  /** ' [12.3 img/s, 1:02 left]' once a rate is known, else ''. */
  private rateNote(): string {
    const r = this.rate();
    return r === null ? '' : ` [${formatRate(r, this.unit.short)}, ${formatDuration(this.etaSeconds())} left]`;
  }

  /**
   * An informative line (an epoch's loss, a task's accuracy, a study's run): above the bar on a
   * terminal, a JSON 'log' event. `withRate`: a plain line also tells the rate and time left.
   */
  log(text: string, fields: ProgressFields = {}, withRate = false): void {
    if (this.mode === 'quiet') return;
    if (this.mode === 'json') { this.emit('log', { message: text, ...fields }); return; }
    const redraw = this.shown !== '';
    this.clear();
    this.out.write(`${text}${withRate && this.mode === 'lines' ? this.rateNote() : ''}\n`);
    if (redraw) this.draw();
  }

  /** Takes the bar off the terminal line (before results are printed); a JSON 'end' event. */
  finish(fields: ProgressFields = {}): void {
    if (this.mode === 'bar') this.clear();
    else if (this.mode === 'json') this.emit('end', fields);
  }

  /** The bar's text: status, bar, percent, rate, time left, suffix, cut to the terminal's width. */
  line(): string {
    const pct = `${(100 * this.fraction()).toFixed(0).padStart(3)}%`;
    const text = `${this.status} ${renderBar(this.fraction(), this.o.barWidth ?? 24)} ${pct} ${formatRate(this.rate(), this.unit.short)} ${formatDuration(this.etaSeconds())} left${this.suffix}`;
    const cols = this.out.columns;
    return cols && cols > 1 && text.length > cols - 1 ? text.slice(0, cols - 1) : text;
  }

  private draw(): void {
    const text = this.line();
    this.out.write(`\r${text}\x1b[K`);
    this.shown = text;
  }

  private clear(): void {
    if (this.shown === '') return;
    this.out.write('\r\x1b[K');
    this.shown = '';
  }

  private emit(event: string, fields: ProgressFields): void {
    const rate = this.rate(), eta = this.etaSeconds();
    this.out.write(`${JSON.stringify({
      type: 'progress', command: this.o.command, event, done: this.doneUnits, total: this.total, unit: this.unit.name,
      rate: rate === null ? null : Math.round(rate * 10) / 10, etaSeconds: eta === null ? null : Math.round(eta),
      elapsedSeconds: Math.round(this.elapsedSeconds() * 10) / 10, ...fields,
    })}\n`);
  }
}

/** The bar of a command on stderr, in the mode its --quiet / --json flags and the terminal ask for. */
export function commandProgress(command: string, flags: { quiet?: unknown; json?: unknown }, stream: ProgressStream = process.stderr): ProgressBar {
  return new ProgressBar({ command, mode: progressMode(stream, flags), stream });
}
