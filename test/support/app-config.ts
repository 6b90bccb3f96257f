/**
 * The app's own configuration check, run on the environment a platform
 * gives the container: what a deployed instance would refuse at start is
 * caught offline. The app's parser (`app-image/src/config.ts`) is pure and
 * imports nothing; app-image is an ES module package and these tests run as
 * CommonJS, so the file is transpiled and loaded here rather than imported.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import type { ConfigResult, Env } from "../../app-image/src/config";

const CONFIG_SOURCE = path.resolve(__dirname, "..", "..", "app-image", "src", "config.ts");

let loaded: ((env: Env) => ConfigResult) | undefined;

/** The app's `parseConfig`, from its source. */
export function appParseConfig(): (env: Env) => ConfigResult {
    if (loaded === undefined) {
        const source = fs.readFileSync(CONFIG_SOURCE, "utf8");
        const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 }, fileName: CONFIG_SOURCE }).outputText;
        const exports: Record<string, unknown> = {};
        new Function("exports", "require", js)(exports, () => {
            throw new Error(`${CONFIG_SOURCE} must stay free of imports to be checked here`);
        });
        if (typeof exports.parseConfig !== "function") throw new Error(`${CONFIG_SOURCE} exports no parseConfig`);
        loaded = exports.parseConfig as (env: Env) => ConfigResult;
    }
    return loaded;
}

/**
 * Every problem the app reports for this environment, as `VARIABLE: message`
 * lines (empty when the app would start).
 */
export function appConfigProblems(env: Record<string, string>): string[] {
    const result = appParseConfig()(env);
    return result.ok ? [] : result.issues.map((issue) => `${issue.variable}: ${issue.message}`);
}

/**
 * The environment the container of a rendered user data script gets: the
 * env file the script writes (`cat > '<envFile>' <<'ALICERCE_EOF'`) plus each
 * variable the prepare script fetches at start (`printf '%s=%s\n' 'NAME' "$value"`),
 * whose value is a stand-in (it only exists on the host).
 */
export function containerEnvironment(userData: string, envFile = "/etc/app/app.env"): Record<string, string> {
    const opening = `cat > '${envFile}' <<'ALICERCE_EOF'\n`;
    if (!userData.includes(opening)) throw new Error(`the user data writes no ${envFile}`);
    const block = userData.split(opening)[1].split("\nALICERCE_EOF")[0];
    const env: Record<string, string> = {};
    for (const line of block.split("\n").filter((l) => l !== "")) env[line.slice(0, line.indexOf("="))] = line.slice(line.indexOf("=") + 1);
    for (const m of userData.matchAll(/printf '%s=%s\\n' '([A-Z_][A-Z0-9_]*)' "\$value"/g)) env[m[1]] = `stand-in-value-of-${m[1].toLowerCase()}`.padEnd(40, "-");
    return env;
}
