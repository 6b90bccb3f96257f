import * as fs from "fs";
import Module from "module";
import * as path from "path";
import * as ts from "typescript";

/** The app's own config parser, as app-image/src/config.ts exports it (the subset these tests read). */
export type ParseConfig = (
    env: Readonly<Record<string, string | undefined>>,
) =>
    | {
          ok: true;
          config: {
              awsRegion: string;
              shutdownTimeoutMs: number;
              database: {
                  writer: { host: string; port: number; database?: string; user?: string };
                  reader?: { host: string };
                  sslMode: string;
                  poolMax: number;
                  credentials: { kind: string };
              };
              signingKey: { kind: string };
              assets: { bucket: string; endpoint?: string };
          };
      }
    | { ok: false; issues: { variable: string; message: string }[] };

const CONFIG_SOURCE = path.join(__dirname, "..", "..", "app-image", "src", "config.ts");

/**
 * Loads `parseConfig` from the app's TypeScript source: app-image is an ES
 * module package with its own dependencies, so the file (pure, no imports)
 * is transpiled to CommonJS in memory rather than built. No build step and
 * no copy of the schema: the infra tests read the very parser the container runs.
 */
export function loadAppParseConfig(): ParseConfig {
    const source = fs.readFileSync(CONFIG_SOURCE, "utf8");
    if (/^\s*import\s/m.test(source)) throw new Error(`${CONFIG_SOURCE} now imports other modules; load it another way`);
    const { outputText } = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
        fileName: CONFIG_SOURCE,
    });
    const mod = new Module(CONFIG_SOURCE) as Module & { _compile(code: string, filename: string): void };
    mod.filename = CONFIG_SOURCE;
    mod._compile(outputText, CONFIG_SOURCE);
    const parseConfig = (mod.exports as { parseConfig?: ParseConfig }).parseConfig;
    if (typeof parseConfig !== "function") throw new Error(`${CONFIG_SOURCE} no longer exports parseConfig`);
    return parseConfig;
}

/**
 * Every problem the app reports for this environment, as `VARIABLE: message`
 * lines (empty when the app would start).
 */
export function appConfigProblems(env: Record<string, string>, parseConfig: ParseConfig = loadAppParseConfig()): string[] {
    const result = parseConfig(env);
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
    for (const m of userData.matchAll(/printf '%s=%s\\n' '([A-Z_][A-Z0-9_]*)' "\$value"/g))
        env[m[1]] = `stand-in-value-of-${m[1].toLowerCase()}`.padEnd(40, "-");
    return env;
}
