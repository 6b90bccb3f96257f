import { spawn } from "child_process";
import * as fs from "fs";

/** How a command is run: its environment (replacing ours), stdin, where stdout goes, a time limit. */
export interface RunOptions {
    readonly env?: NodeJS.ProcessEnv;
    readonly input?: string | Buffer;
    /** Write stdout to this file instead of keeping it in memory (dumps, tar streams). */
    readonly stdoutFile?: string;
    readonly cwd?: string;
    /** @default 6 hours: a large dump or copy is slow, a hung one is not. */
    readonly timeoutMs?: number;
}

/** A command that exited non-zero: its name and the end of its stderr (never its environment: it holds secrets). */
export class CommandError extends Error {
    constructor(
        readonly command: string,
        readonly status: number | null,
        readonly stderr: string,
    ) {
        super(`${command} failed (exit ${status}): ${stderr.trim().split("\n").slice(-8).join("\n")}`);
    }
}

/** Runs a command to its end; resolves with its stdout, rejects with a {@link CommandError}. */
export function run(cmd: string, args: readonly string[], o: RunOptions = {}): Promise<string> {
    return new Promise((resolve, reject) => {
        const out = o.stdoutFile ? fs.openSync(o.stdoutFile, "w", 0o600) : undefined;
        const child = spawn(cmd, args, {
            env: o.env ?? process.env,
            cwd: o.cwd,
            stdio: [o.input === undefined ? "ignore" : "pipe", out ?? "pipe", "pipe"],
        });
        const chunks: Buffer[] = [];
        let stderr = "";
        child.stdout?.on("data", (c: Buffer) => chunks.push(c));
        child.stderr!.on("data", (c: Buffer) => {
            stderr = (stderr + c.toString()).slice(-20_000);
        });
        const timer = setTimeout(() => child.kill("SIGTERM"), o.timeoutMs ?? 6 * 3_600_000);
        child.once("error", (err) => {
            clearTimeout(timer);
            if (out !== undefined) fs.closeSync(out);
            reject(new CommandError(cmd, null, String(err)));
        });
        child.once("close", (status) => {
            clearTimeout(timer);
            if (out !== undefined) fs.closeSync(out);
            if (status === 0) resolve(Buffer.concat(chunks).toString());
            else reject(new CommandError(cmd, status, stderr));
        });
        if (o.input !== undefined) child.stdin!.end(o.input);
    });
}

/** One timed step of a command's run. */
export interface StepTiming {
    readonly step: string;
    readonly seconds: number;
}

/** Runs and times the steps of a command, printing each as it ends. */
export class Steps {
    readonly timings: StepTiming[] = [];
    private readonly started = process.hrtime.bigint();

    constructor(private readonly print: (line: string) => void = (l) => process.stderr.write(l + "\n")) {}

    async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
        const t0 = process.hrtime.bigint();
        this.print(`… ${name}`);
        try {
            return await fn();
        } finally {
            const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
            this.timings.push({ step: name, seconds });
            this.print(`  ${name}: ${seconds.toFixed(2)} s`);
        }
    }

    /** Seconds since the command started. */
    total(): number {
        return Number(process.hrtime.bigint() - this.started) / 1e9;
    }

    /** The table printed at the end: every step and its time. */
    summary(): string {
        const width = Math.max(...this.timings.map((t) => t.step.length), 5);
        return [
            ...this.timings.map((t) => `${t.step.padEnd(width)}  ${t.seconds.toFixed(2).padStart(9)} s`),
            `${"total".padEnd(width)}  ${this.total().toFixed(2).padStart(9)} s`,
        ].join("\n");
    }
}

/** `--name value` and `--flag` arguments; a repeated or unknown flag is an error, listed with the others. */
export function parseFlags(
    argv: readonly string[],
    spec: { readonly values: readonly string[]; readonly booleans: readonly string[] },
): { flags: Map<string, string>; problems: string[] } {
    const flags = new Map<string, string>();
    const problems: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(arg);
        if (!m) {
            problems.push(`${arg}: not a flag; flags look like --name value`);
            continue;
        }
        const [, name, inline] = m;
        if (flags.has(name)) problems.push(`--${name}: given twice`);
        if (spec.booleans.includes(name)) {
            if (inline !== undefined) problems.push(`--${name}: takes no value`);
            flags.set(name, "true");
        } else if (spec.values.includes(name)) {
            const value = inline ?? argv[++i];
            if (value === undefined || (inline === undefined && value.startsWith("--"))) {
                problems.push(`--${name}: needs a value`);
                if (value !== undefined) i--;
            } else flags.set(name, value);
        } else problems.push(`--${name}: unknown flag; use one of ${[...spec.values, ...spec.booleans].map((f) => `--${f}`).join(", ")}`);
    }
    return { flags, problems };
}
