/** The part of autocannon's programmatic API the issuance bench uses (the package ships no types). */
declare module 'autocannon' {
  namespace autocannon {
    interface Options {
      url: string;
      method?: string;
      headers?: Record<string, string>;
      body?: string;
      connections?: number;
      pipelining?: number;
      /** Seconds. */
      duration?: number;
      /** Responses whose body differs are counted in `mismatches`. */
      expectBody?: string;
      /** Answer the raw result, for aggregateResult (off the main thread autocannon never aggregates). */
      skipAggregateResult?: boolean;
    }
    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p90: number;
      p99: number;
    }
    interface Result {
      /** `total`: requests completed in the run. */
      requests: Histogram;
      /** Milliseconds, recorded at 1 ms resolution. */
      latency: Histogram;
      /** Seconds the run took. */
      duration: number;
      errors: number;
      timeouts: number;
      mismatches: number;
      non2xx: number;
    }
    /** A run's result before aggregation: only aggregateResult reads it. */
    interface RawResult {
      readonly totalCompletedRequests: number;
    }
    function aggregateResult(results: RawResult[], options: Options): Result;
  }
  function autocannon(
    options: autocannon.Options & { skipAggregateResult: true },
  ): Promise<autocannon.RawResult>;
  function autocannon(options: autocannon.Options): Promise<autocannon.Result>;
  export = autocannon;
}
