// The part of autocannon's API the benchmark uses (the package ships no types).
declare module "autocannon" {
  namespace autocannon {
    interface Request {
      method?: string;
      path?: string;
      body?: string;
      headers?: Record<string, string>;
    }
    interface Options {
      url: string;
      connections?: number;
      duration?: number;
      method?: string;
      requests?: Array<{ setupRequest?: (req: Request) => Request }>;
    }
    interface Result {
      "2xx": number;
      non2xx: number;
      errors: number;
      duration: number;
      latency: { p50: number; p99: number; max: number };
    }
  }
  function autocannon(opts: autocannon.Options): Promise<autocannon.Result>;
  export = autocannon;
}
