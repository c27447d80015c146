// The graphile-worker peer of the AgentCron benchmark's `peers` scenario: the bench starts it as a child process to
// measure graphile-worker (Node.js + PostgreSQL) on the same PostgreSQL server and workloads as AgentCron and the .NET
// peers (bench/AgentCron.Bench.Peers, whose Workloads.cs this file mirrors).
//
//   node peer.mjs --workload burst|throughput|single --count N --settings defaults|best
//                 --connection postgres://USER@127.0.0.1:PORT/DB [--lead-ms L] [--timeout-s T]
//                 [--product graphile-worker] [--database postgres]   (accepted for symmetry with the .NET peers)
//
// The database is fresh and empty: graphile-worker's schema is installed (its migrations run) before anything is
// measured. Protocol: JSON lines on stdout — {"event":"measuring"} right before the measured phase (the bench samples
// PostgreSQL's CPU then), and one {"event":"result",…} at the end; graphile-worker's warnings/errors go to stderr, its
// info/debug lines (one per completed job) are dropped, at both settings. Exit 0 with a result (completed < count when
// the timeout passed first), exit 1 with a message on stderr on any error.
//
// Workloads (the job body is a no-op that records its lateness = wall clock at start − the job's due time):
//   burst      `count` jobs due at one instant, lead-ms after they are created, added in ONE round trip with the SQL
//              batch function graphile_worker.add_jobs(job_spec[]) (0.16.6's WorkerUtils has only addJob; the JS
//              addJobs arrived in 0.17); then "measuring", the worker is started, and we wait for all of them.
//   throughput the same with jobs already due (1 s ago); elapsed_ms = worker start → last job body finished.
//   single     the worker is started and left idle 2 s, then "measuring"; `count` times: add one job due 1 s later,
//              wait until it ran, wait 500 ms.
//
// Settings (the performance options are reported in settings_detail with their effective values at both settings):
//   defaults   nothing but the connection string, the task list, a logger, noHandleSignals and an empty cron list:
//              graphile-worker 0.16.6's defaults (dist/config.js): concurrency 1, pollInterval 2000 ms,
//              maxPoolSize 10, preparedStatements on.
//   best       the fastest single-process configuration 0.16.6 offers (its whole option list is in
//              dist/interfaces.d.ts and dist/index.d.ts; the batching options of the docs' performance page —
//              localQueue, completeJobBatchDelay, failJobBatchDelay — only exist from 0.17):
//              - concurrency 32: the bench's comparison point (32 concurrent runs).
//              - maxPoolSize 33 = concurrency + 1: every worker can hold a connection for its get_job/complete_job
//                while the LISTEN client holds one more (0.16.6 warns when the pool is smaller than concurrency;
//                the docs' performance setup uses concurrency + 1 as well).
//              - pollInterval 100 ms: LISTEN/NOTIFY wakes idle workers when jobs are *inserted*, but a job whose
//                run_at is in the future is only found by polling (add_jobs' NOTIFY fires at insert time; the
//                nudged workers find nothing due and go back to sleep for pollInterval). So the poll interval bounds
//                the lateness of every future job (at defaults a `single` job, due 1 s after its insert, runs ~1 s
//                late: the NOTIFY restarts the one worker's 2 s sleep); 100 ms is the shortest poll any peer's "best"
//                uses in this bench (Hangfire's queue poll) — shorter polls only cost more idle queries (32 workers ×
//                1/pollInterval: ~320 get_job queries/s while idle at 100 ms).
//              - preparedStatements stays on (the default; already the fastest).
// Nothing fires jobs early: jobs are taken only by graphile-worker's own `run_at <= now()` query.

import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import graphileWorker from "graphile-worker";

const { run, makeWorkerUtils, Logger, WorkerPreset } = graphileWorker;
const VERSION = createRequire(import.meta.url)("graphile-worker/package.json").version;
const TASK = "bench_noop";

// --- command line -------------------------------------------------------------------------------------------------

class UsageError extends Error {}

function parseArgs(argv) {
  const values = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith("--") || i + 1 >= argv.length) {
      throw new UsageError(`expected --name value pairs, got '${argv[i]}'`);
    }
    values[argv[i].slice(2)] = argv[i + 1];
  }
  const required = (name) => {
    if (values[name] === undefined) throw new UsageError(`--${name} is required`);
    return values[name];
  };
  const oneOf = (name, ...allowed) => {
    const value = required(name);
    if (!allowed.includes(value)) throw new UsageError(`--${name} must be one of ${allowed.join(", ")}`);
    return value;
  };
  // Whole numbers (a fractional --lead-ms/--timeout-s is rounded, so due times stay whole milliseconds).
  const integer = (name, fallback, min) => {
    const text = values[name] ?? (fallback === undefined ? required(name) : String(fallback));
    const value = Number(text);
    const whole = name === "count" ? Number.isInteger(value) : Number.isFinite(value);
    if (text.trim() === "" || !whole || Math.round(value) < min) {
      throw new UsageError(`--${name} must be an integer >= ${min}, got '${text}'`);
    }
    return Math.round(value);
  };
  if (values.product !== undefined) oneOf("product", "graphile-worker");
  if (values.database !== undefined) oneOf("database", "postgres");
  return {
    workload: oneOf("workload", "burst", "throughput", "single"),
    count: integer("count", undefined, 1),
    best: oneOf("settings", "defaults", "best") === "best",
    connection: required("connection"),
    leadMs: integer("lead-ms", 10_000, 0),
    timeoutMs: integer("timeout-s", 300, 1) * 1000,
  };
}

// --- what the jobs report -----------------------------------------------------------------------------------------

/** Wall clock in (fractional) milliseconds since the epoch. */
const wallNow = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Each job's lateness the first time it runs, repeat runs, and a wait for the n-th distinct job. */
const probe = {
  lateness: new Map(), // job id -> ms late
  duplicates: 0,
  lastRunAt: null, // performance.now() when the most recent first run finished
  waiter: null, // { target, resolve }

  ran(id, due) {
    const lateness = wallNow() - due;
    if (this.lateness.has(id)) {
      this.duplicates++;
      return;
    }
    this.lateness.set(id, lateness);
    this.lastRunAt = performance.now();
    if (this.waiter && this.lateness.size >= this.waiter.target) {
      this.waiter.resolve(true);
      this.waiter = null;
    }
  },

  /** Resolves true once `target` distinct jobs have run, false if `deadline` (performance.now) passes first. */
  until(target, deadline) {
    if (this.lateness.size >= target) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        resolve(false);
      }, Math.max(0, deadline - performance.now()));
      this.waiter = {
        target,
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
      };
    });
  },
};

const taskList = {
  [TASK]: async (payload) => {
    probe.ran(payload.id, payload.due);
  },
};

// --- graphile-worker ----------------------------------------------------------------------------------------------

/** Warnings and errors to stderr; info/debug (a line per completed job) dropped, so stdout stays ours. */
const logger = new Logger((scope) => (level, message) => {
  if (level === "error" || level === "warning") {
    process.stderr.write(`[graphile-worker ${scope.label ?? "core"}] ${level}: ${message}\n`);
  }
});

/** The performance options passed to run() (none at defaults) — see the header. */
const bestOptions = { concurrency: 32, maxPoolSize: 33, pollInterval: 100 };

/** The effective values of the performance options: graphile-worker's defaults overridden by what we pass. */
function settingsDetail(passed) {
  const defaults = WorkerPreset.worker;
  return {
    concurrency: passed.concurrency ?? defaults.concurrentJobs,
    pollInterval: passed.pollInterval ?? defaults.pollInterval,
    maxPoolSize: passed.maxPoolSize ?? defaults.maxPoolSize,
    preparedStatements: defaults.preparedStatements,
    passed: Object.keys(passed),
  };
}

/**
 * Adds jobs in one round trip: the specs travel as one JSON parameter, become graphile_worker.job_spec rows and go
 * to graphile_worker.add_jobs (one INSERT, one NOTIFY).
 */
async function addJobs(utils, jobs) {
  const specs = jobs.map((job) => ({
    identifier: TASK,
    payload: { id: job.id, due: job.due },
    run_at: new Date(job.due).toISOString(),
  }));
  const { rows } = await utils.withPgClient((client) =>
    client.query(
      `select count(*)::int as added from graphile_worker.add_jobs(
         array(select spec from json_populate_recordset(null::graphile_worker.job_spec, $1::json) as spec))`,
      [JSON.stringify(specs)],
    ),
  );
  if (rows[0].added !== jobs.length) throw new Error(`add_jobs added ${rows[0].added} of ${jobs.length} jobs`);
}

function emit(line) {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const cpuSince = (start) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

// --- workloads ----------------------------------------------------------------------------------------------------

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const passed = args.best ? bestOptions : {};
  const options = {
    connectionString: args.connection,
    logger,
    noHandleSignals: true, // the bench stops us; graphile-worker's handlers would re-raise signals
    parsedCronItems: [], // no cron: don't look for a ./crontab file
    ...passed,
  };

  // Installs the schema (runs the migrations) and gives us a pool for adding jobs; not measured.
  const utils = await makeWorkerUtils({ connectionString: args.connection, logger });
  let runner = null;
  let runnerFailed = new Promise(() => {}); // rejects if the worker dies, so waits don't sit out the timeout
  const startWorker = async () => {
    runner = await run(options, taskList);
    runnerFailed = runner.promise.then(
      () => new Promise(() => {}),
      (error) => Promise.reject(new Error(`graphile-worker stopped: ${error?.message ?? error}`)),
    );
    runnerFailed.catch(() => {}); // seen by within() while we wait; harmless afterwards
  };
  const within = (target, deadline) => Promise.race([probe.until(target, deadline), runnerFailed]);

  let elapsedMs = null;
  let cpuMs;
  let insertMs = null;
  let leadLeftMs = null;
  try {
    if (args.workload === "single") {
      await startWorker();
      await sleep(2000);
      emit({ event: "measuring" });
      const cpu = process.cpuUsage();
      const deadline = performance.now() + args.timeoutMs;
      for (let i = 1; i <= args.count; i++) {
        await addJobs(utils, [{ id: `s${i}`, due: Math.floor(wallNow()) + 1000 }]);
        if (!(await within(i, deadline))) break;
        await sleep(500);
      }
      cpuMs = cpuSince(cpu);
    } else {
      const due = Math.floor(wallNow()) + (args.workload === "burst" ? args.leadMs : -1000);
      const jobs = Array.from({ length: args.count }, (_, i) => ({ id: `j${i + 1}`, due }));
      const insertStart = performance.now();
      await addJobs(utils, jobs);
      insertMs = performance.now() - insertStart;
      if (args.workload === "burst") leadLeftMs = due - wallNow();

      emit({ event: "measuring" });
      const cpu = process.cpuUsage();
      const start = performance.now();
      await startWorker();
      const all = await within(args.count, start + args.timeoutMs);
      elapsedMs = (all ? probe.lastRunAt : performance.now()) - start;
      cpuMs = cpuSince(cpu);
    }
  } finally {
    if (runner) await runner.stop(); // graceful: waits for running jobs, releases its pool
    await utils.release();
  }

  emit({
    event: "result",
    product: "graphile-worker",
    version: VERSION,
    database: "postgres",
    settings: args.best ? "best" : "defaults",
    settings_detail: settingsDetail(passed),
    workload: args.workload,
    count: args.count,
    completed: probe.lateness.size,
    duplicates: probe.duplicates,
    lateness_ms: [...probe.lateness.values()].map((ms) => Math.round(ms * 100) / 100),
    elapsed_ms: elapsedMs,
    cpu_ms: cpuMs,
    insert_ms: insertMs,
    lead_left_ms: leadLeftMs,
  });
}

main().then(
  () => process.stdout.write("", () => process.exit(0)), // exit once everything written to stdout has been flushed (a long result line is written in pieces)
  (error) => {
    const detail = error instanceof UsageError ? error.message : (error?.stack ?? error);
    process.stderr.write(`graphile-worker peer failed: ${detail}\n`);
    process.exit(1);
  },
);
