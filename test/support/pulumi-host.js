// Loads the program the way Pulumi's Node language host does
// (node_modules/@pulumi/pulumi/cmd/run/run.js, CommonJS branch): the project's
// own typescript and ts-node, the project's tsconfig.json merged over the
// host's defaults, type-checking on unless the tsconfig says noCheck. Then it
// runs the stack named in argv[2] through the offline harness and prints a
// JSON summary. Plain JavaScript so nothing is compiled before ts-node is
// registered exactly as Pulumi registers it.
"use strict";
const path = require("path");
const root = path.resolve(__dirname, "..", "..");
process.chdir(root);

const tsutils = require("@pulumi/pulumi/tsutils");
const semver = require("semver");
const pkg = require(path.join(root, "package.json"));
if (pkg.type === "module") throw new Error("package.json is an ES module: Pulumi would take its ESM branch, which this loader does not emulate");

const tsConfigPath = process.env.PULUMI_NODEJS_TSCONFIG_PATH ?? "tsconfig.json";
const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);
const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
const ts = require(typescriptRequire);
const useNodeNext = semver.gte(semver.coerce(ts.version), "4.7.0");
require(tsnodeRequire).register({
    compiler: typescriptRequire,
    transpileOnly: compilerOptions.noCheck,
    project: tsConfigPath,
    skipProject: false,
    compilerOptions: {
        target: "ES2020",
        module: useNodeNext ? "nodenext" : "commonjs",
        moduleResolution: useNodeNext ? "nodenext" : "node",
        sourceMap: "true",
        ...compilerOptions,
    },
});

const { runStack } = require(path.join(root, "offline"));
runStack(process.argv[2] ?? "dev").then(
    (run) => {
        console.log(JSON.stringify({ typescript: ts.version, typeChecked: !compilerOptions.noCheck, resources: run.resources.length }));
        process.exit(0);
    },
    (err) => {
        console.error(err && err.stack ? err.stack : String(err));
        process.exit(1);
    },
);
