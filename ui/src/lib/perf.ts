// Timestamps of the viewer's work, readable by the real-window benchmark through WebDriver
// (`window.__dscPerf`). Measuring only: nothing reads them in the app.

export interface Perf {
  openAt?: number;
  openMs?: number;
  inputAt?: number;
  filterMs?: number;
  scrollAt?: number;
  scrollMs?: number;
  /** Window round trips (request to rows drawn) of rows scrolled to and waited for. */
  windowMs?: number[];
  /** Of those, the part until the answer arrived (the rest is drawing the rows). */
  windowAnswerMs?: number[];
  /** The same for the first window of a new report, filter or sort (open and filter figures). */
  queryWindowMs?: number[];
}

const w = globalThis as unknown as { __dscPerf?: Perf };
export const perf: Perf = (w.__dscPerf ??= { windowMs: [] });
