// Independent oracle for CronTriggerCronerCrossCheckTests: prints croner's next occurrences for each case.
// Usage: node croner-check.mjs <path to croner.js>   (cases as JSON on stdin)
// stdin:  [{ "expr": "*/15 * * * *", "tz": "Europe/Berlin", "from": "2026-03-28T00:00:00Z", "count": 50 }, ...]
// stdout: [{ "runs": ["2026-03-28T00:15:00.000Z", ...] } | { "error": "..." }, ...]  (one entry per case, in order)
import { pathToFileURL } from "node:url";

const { Cron } = await import(pathToFileURL(process.argv[2]).href);

let input = "";
for await (const chunk of process.stdin) input += chunk;

// AgentCron follows Vixie cron: a day field whose text starts with "*" (e.g. "*/2") is unrestricted, so the two day
// fields are ANDed. croner only treats a bare "*" that way and would OR them; its "+" day-of-week prefix asks for
// AND explicitly, so we add it in exactly those cases. Everything else is passed through untouched.
function toCroner(expr) {
  const parts = expr.trim().split(/\s+/);
  if (parts.length < 5) return expr;
  const dom = parts.length - 3, dow = parts.length - 1;
  const domStarred = parts[dom].startsWith("*"), dowStarred = parts[dow].startsWith("*");
  if ((domStarred || dowStarred) && parts[dom] !== "*" && parts[dow] !== "*") parts[dow] = "+" + parts[dow];
  return parts.join(" ");
}

const results = JSON.parse(input).map(({ expr, tz, from, count }) => {
  try {
    const job = new Cron(toCroner(expr), { timezone: tz, paused: true, mode: "5-or-6-parts" });
    const runs = [];
    let cursor = new Date(from);
    while (runs.length < count) {
      const next = job.nextRun(cursor);
      if (!next) break;
      runs.push(next.toISOString());
      cursor = next;
    }
    return { runs };
  } catch (e) {
    return { error: String(e?.message ?? e) };
  }
});
process.stdout.write(JSON.stringify(results));
