// @ts-check
/**
 * The pull request's one plan comment and the plan job's summary.
 *
 * - Always posts, whatever the plan's exit code: when `npm run plan` fails
 *   (a stack fails validation or a mandatory policy) the comment says so and
 *   links the log; when it wrote no report at all, the comment still posts.
 * - One comment per pull request, found by its first line (the marker) and
 *   edited in place.
 * - Kept under GitHub's size limits: a comment body is at most 65,536
 *   characters and a step's job summary at most 1 MiB. A longer plan is cut at
 *   a line, open `<details>` and code fences are closed, and a note links the
 *   full plan (job summary and the `plan` artifact with plan.md and plan.json).
 *
 * Used by `actions/github-script` (`require('./.github/scripts/plan-comment.js')`)
 * and, for the job summary, as `node .github/scripts/plan-comment.js summary`.
 * Plain CommonJS with no dependency: github-script runs it as it is.
 */
"use strict";
const fs = require("fs");

/** The first line of the comment; the workflow finds its own comment by it. Same as scripts/review.ts COMMENT_MARKER. */
const MARKER = "<!-- alicerce-plan -->";

/**
 * GitHub refuses a longer issue or pull-request comment body:
 * "Body is too long (maximum is 65536 characters)" (REST `POST /repos/{owner}/{repo}/issues/{n}/comments`, 422).
 */
const COMMENT_LIMIT = 65536;

/**
 * A step's job summary is at most 1 MiB; past it the summary upload fails
 * (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#adding-a-job-summary).
 */
const SUMMARY_LIMIT = 1024 * 1024;

/** Characters as GitHub counts a comment body (UTF-16 code units are never fewer than characters). */
const chars = (/** @type {string} */ s) => s.length;
/** Bytes, as the job summary limit counts them. */
const bytes = (/** @type {string} */ s) => Buffer.byteLength(s, "utf8");

/**
 * Cuts `markdown` at a line boundary so that it, the closers of whatever was
 * left open (a code fence, `<details>` blocks) and `note` fit in `limit` as
 * `measure` counts. Returns `markdown` unchanged when it already fits.
 * @param {string} markdown
 * @param {number} limit
 * @param {(s: string) => number} measure
 * @param {string} note
 * @returns {{ text: string, truncated: boolean }}
 */
function fit(markdown, limit, measure, note) {
    if (measure(markdown) <= limit) return { text: markdown, truncated: false };
    const lines = markdown.split("\n");
    let kept = 0;
    let size = 0;
    let fence = false;
    let details = 0;
    let best = { kept: 0, fence: false, details: 0 };
    const closers = (/** @type {boolean} */ f, /** @type {number} */ d) => (f ? "```\n" : "") + "</details>\n".repeat(Math.max(d, 0));
    const noteSize = measure("\n" + note + "\n");
    for (; kept < lines.length; kept++) {
        const line = lines[kept];
        const nextSize = size + measure(line + "\n");
        let nextFence = fence;
        let nextDetails = details;
        if (/^\s*(```|~~~)/.test(line)) nextFence = !fence;
        if (!fence) {
            nextDetails += (line.match(/<details\b/gi) ?? []).length;
            nextDetails -= (line.match(/<\/details>/gi) ?? []).length;
        }
        if (nextSize + measure(closers(nextFence, nextDetails)) + noteSize > limit) break;
        size = nextSize;
        fence = nextFence;
        details = nextDetails;
        best = { kept: kept + 1, fence, details };
    }
    const head = lines.slice(0, best.kept).join("\n") + (best.kept > 0 ? "\n" : "");
    return { text: head + closers(best.fence, best.details) + "\n" + note + "\n", truncated: true };
}

/**
 * @typedef {object} PlanInputs
 * @property {string | undefined} plan the Markdown `npm run plan --markdown` wrote, or undefined when it wrote none
 * @property {string} outcome the plan step's outcome: success, failure, cancelled or skipped
 * @property {string} runUrl the workflow run (its page shows the job summaries and the artifacts)
 * @property {string} [artifactUrl] the `plan` artifact's download URL (actions/upload-artifact output)
 */

/**
 * The report with the plan's outcome stated at the top (after the marker).
 * @param {PlanInputs} input
 */
function report(input) {
    const log = `[the job log](${input.runUrl})`;
    const lines = [MARKER];
    if (input.plan === undefined) {
        lines.push("## alicerce plan", "", `**The plan failed before writing its report** (step ${input.outcome}). The reason is in ${log}.`, "");
    } else {
        const body = input.plan.startsWith(MARKER) ? input.plan.slice(MARKER.length).replace(/^\r?\n/, "") : input.plan;
        if (input.outcome !== "success") {
            lines.push(
                `> [!CAUTION]`,
                `> **\`npm run plan\` failed** (step ${input.outcome}): a stack failed validation or a mandatory policy. Its row below says which; details in ${log}.`,
                "",
            );
        }
        lines.push(body.replace(/\n+$/, ""), "");
    }
    return lines.join("\n");
}

/** @param {PlanInputs} input */
function truncationNote(input) {
    const artifact = input.artifactUrl ? `the [\`plan\` artifact](${input.artifactUrl})` : "the `plan` artifact of the run";
    return `> [!NOTE]\n> The plan is longer than GitHub allows here; the rest is cut. The full report is in [the run's job summary](${input.runUrl}) and ${artifact} (plan.md, plan.json).`;
}

/**
 * The comment body: the report, fitted to GitHub's comment limit.
 * @param {PlanInputs} input
 * @param {number} [limit]
 */
function commentBody(input, limit = COMMENT_LIMIT) {
    return fit(report(input), limit, chars, truncationNote(input)).text;
}

/**
 * The job summary: the report, fitted to the 1 MiB summary limit.
 * @param {PlanInputs} input
 * @param {number} [limit]
 */
function summaryBody(input, limit = SUMMARY_LIMIT) {
    const note = `> [!NOTE]\n> The plan is longer than a job summary holds; the full report is in the \`plan\` artifact of [this run](${input.runUrl}) (plan.md, plan.json).`;
    return fit(report(input), limit, bytes, note).text;
}

/**
 * Creates the pull request's plan comment, or edits it when one exists (the
 * first comment by a bot whose body starts with the marker).
 * @param {{ github: any, context: any, body: string }} args
 * @returns {Promise<"created" | "updated">}
 */
async function upsertComment({ github, context, body }) {
    const { owner, repo } = context.repo;
    const issue_number = context.issue.number;
    const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
    const mine = comments.find((/** @type {any} */ c) => c.user?.type === "Bot" && typeof c.body === "string" && c.body.startsWith(MARKER));
    if (mine) {
        await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });
        return "updated";
    }
    await github.rest.issues.createComment({ owner, repo, issue_number, body });
    return "created";
}

/**
 * What the workflow passes through the environment: PLAN_MD (path of the
 * Markdown report), PLAN_OUTCOME (`steps.plan.outcome`), ARTIFACT_URL.
 * @param {NodeJS.ProcessEnv} env
 * @param {string} runUrl
 * @returns {PlanInputs}
 */
function inputsFromEnv(env, runUrl) {
    const file = env.PLAN_MD ?? "plan.md";
    return {
        plan: fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined,
        outcome: env.PLAN_OUTCOME || "unknown",
        runUrl,
        artifactUrl: env.ARTIFACT_URL || undefined,
    };
}

/**
 * The github-script entry: posts or edits the plan comment.
 * @param {{ github: any, context: any, core: any }} args
 */
async function post({ github, context, core }) {
    const runUrl = `${context.serverUrl}/${context.repo.owner}/${context.repo.repo}/actions/runs/${context.runId}`;
    const input = inputsFromEnv(process.env, runUrl);
    const body = commentBody(input);
    const action = await upsertComment({ github, context, body });
    core.info(`plan comment ${action} (${body.length} characters)`);
    return action;
}

module.exports = post;
Object.assign(module.exports, { MARKER, COMMENT_LIMIT, SUMMARY_LIMIT, fit, report, commentBody, summaryBody, upsertComment, inputsFromEnv, post });

// `node .github/scripts/plan-comment.js summary`: the job summary on stdout.
if (require.main === module) {
    const [mode] = process.argv.slice(2);
    if (mode !== "summary") {
        process.stderr.write("usage: node .github/scripts/plan-comment.js summary  (env: PLAN_MD, PLAN_OUTCOME, GITHUB_* )\n");
        process.exit(2);
    }
    const runUrl = `${process.env.GITHUB_SERVER_URL ?? "https://github.com"}/${process.env.GITHUB_REPOSITORY ?? ""}/actions/runs/${process.env.GITHUB_RUN_ID ?? ""}`;
    process.stdout.write(summaryBody(inputsFromEnv(process.env, runUrl)));
}
