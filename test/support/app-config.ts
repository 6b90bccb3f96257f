import * as fs from "fs";
import Module from "module";
import * as path from "path";
import * as ts from "typescript";

/** The app's own config parser, as app-image/src/config.ts exports it (the subset these tests read). */
export type ParseConfig = (env: Readonly<Record<string, string | undefined>>) =>
    | { ok: true; config: { awsRegion: string; shutdownTimeoutMs: number; database: { writer: { host: string; port: number; database?: string; user?: string }; reader?: { host: string }; sslMode: string; poolMax: number; credentials: { kind: string } }; signingKey: { kind: string }; assets: { bucket: string; endpoint?: string } } }
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
    const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 }, fileName: CONFIG_SOURCE });
    const mod = new Module(CONFIG_SOURCE) as Module & { _compile(code: string, filename: string): void };
    mod.filename = CONFIG_SOURCE;
    mod._compile(outputText, CONFIG_SOURCE);
    const parseConfig = (mod.exports as { parseConfig?: ParseConfig }).parseConfig;
    if (typeof parseConfig !== "function") throw new Error(`${CONFIG_SOURCE} no longer exports parseConfig`);
    return parseConfig;
}
