/**
 * The components as a library: another Pulumi program imports them from the
 * package entry (`alicerce/components`, package.json "exports": compiled
 * JavaScript and declarations in bin/, built by `npm run build`) and passes
 * Outputs of its own resources as their Args. The fixture
 * test/fixtures/components-consumer is such a program (project "shop"):
 * it imports nothing of alicerce but the entry, type-checks against the
 * built declarations as a consumer's tsc would (module resolution through
 * "exports": https://nodejs.org/api/packages.html#self-referencing-a-package-using-its-name,
 * https://www.typescriptlang.org/docs/handbook/modules/reference.html#packagejson-exports),
 * and runs under the offline runner with every Input wired to the right resource.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { RecordedResource, ROOT, runStack, StackRun } from "../offline";
import { mockOutputs } from "../offline/outputs";

const FIXTURE = path.join(ROOT, "test", "fixtures", "components-consumer");
const ENTRY = path.join(FIXTURE, "index.ts");

/** Compiler options of a consumer's Node 22 TypeScript program (as tsconfig.json, without `paths` or anything alicerce-specific). */
const CONSUMER: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    types: ["node"],
};

/** Type-checks the fixture with `text` in place of its index.ts; the diagnostics, formatted. */
function typeCheck(text?: string): string[] {
    const host = ts.createCompilerHost(CONSUMER);
    if (text !== undefined) {
        const getSourceFile = host.getSourceFile.bind(host);
        host.getSourceFile = (file, language, ...rest) =>
            path.resolve(file) === ENTRY ? ts.createSourceFile(file, text, language) : getSourceFile(file, language, ...rest);
    }
    const program = ts.createProgram([ENTRY], CONSUMER, host);
    return ts
        .getPreEmitDiagnostics(program)
        .map((d) => `${d.file ? path.relative(ROOT, d.file.fileName) : ""} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`);
}

describe("components: the package entry another program imports", function () {
    this.timeout(600_000);

    before(() => {
        // The entry is the build's output (bin/ is not committed): build it as `npm run build` does.
        const tsc = require.resolve("typescript/bin/tsc");
        const built = spawnSync(process.execPath, [tsc, "-p", "tsconfig.components.json"], { cwd: ROOT, encoding: "utf8", timeout: 540_000 });
        assert.equal(built.status, 0, `npm run build failed:\n${built.stdout}${built.stderr}`);
    });

    it('package.json exports "./components" with its types, and the build writes both files', () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        assert.deepEqual(pkg.exports["./components"], { types: "./bin/components/index.d.ts", default: "./bin/components/index.js" });
        assert.equal(pkg.scripts.build, "tsc -p tsconfig.components.json");
        for (const file of Object.values<string>(pkg.exports["./components"])) assert.ok(fs.existsSync(path.join(ROOT, file)), file);
        // What the entry offers: one namespace per cloud, the components and their Args.
        const entry = require(path.join(ROOT, "bin", "components", "index.js"));
        assert.deepEqual(
            Object.keys(entry).sort(),
            ["aws", "cloudflare", "digitalocean", "digitalOceanTags", "docker", "REQUIRED_TAG_KEYS", "standardTags"].sort(),
        );
        for (const name of ["Network", "Database", "ValkeyCache", "Storage", "LoadBalancer", "ComputePool", "AppServers", "Kms", "Registry", "Waf"]) {
            assert.equal(typeof entry.aws[name], "function", `aws.${name}`);
        }
        for (const name of ["Network", "Database", "Cache", "LoadBalancer", "Storage", "DropletPool"]) {
            assert.equal(typeof entry.digitalocean[name], "function", `digitalocean.${name}`);
        }
        const declarations = fs.readFileSync(path.join(ROOT, "bin", "components", "aws", "index.d.ts"), "utf8");
        assert.match(declarations, /type DatabaseArgs/);
    });

    it("the fixture imports nothing of alicerce but the package entry", () => {
        const imports = ts.preProcessFile(fs.readFileSync(ENTRY, "utf8"), true, true).importedFiles.map((i) => i.fileName);
        assert.deepEqual(imports.sort(), ["@pulumi/aws", "@pulumi/digitalocean", "@pulumi/pulumi", "alicerce/components"]);
    });

    it("tsc type-checks the fixture against the entry's declarations, and would refuse a wrong Arg", () => {
        assert.deepEqual(typeCheck(), []);
        const source = fs.readFileSync(ENTRY, "utf8");
        // Not `any`: a number where the database wants a VPC id is refused, naming the Arg.
        const wrong = typeCheck(source.replace("        vpcId: vpc.id,\n        // One Output", "        vpcId: 42,\n        // One Output"));
        assert.ok(wrong.length === 1 && /TS2322: .*number.*Input<string>/.test(wrong[0]), wrong.join("\n"));
        // Only the entry is exported: a deep import of a module is refused as a consumer would see it.
        const deep = typeCheck(`import { Database } from "alicerce/components/aws/database";\nexport = Database;\n`);
        assert.ok(
            deep.some((d) => d.includes("TS2307")),
            deep.join("\n"),
        );
    });

    describe("runs under the offline runner with its Outputs wired in", () => {
        let run: StackRun;
        const one = (type: string, name: string): RecordedResource => {
            const found = run.resources.filter((r) => r.type === type && r.name === name);
            assert.equal(found.length, 1, `${type} ${name}`);
            return found[0];
        };
        /** What the (mock) provider answers for a resource: its id and state. */
        const state = (r: RecordedResource) => {
            const { id, state } = mockOutputs({ type: r.type, name: r.name, inputs: r.inputs, provider: r.provider, id: "", custom: true }, "us-east-1");
            return { id, ...state } as Record<string, any>;
        };

        before(async () => {
            run = await runStack("dev", { project: "shop", stackDir: FIXTURE, program: require(ENTRY) });
        });

        it("declares the components under the consumer's project, with alicerce's type tokens", () => {
            const components = run.resources.filter((r) => r.type.startsWith("alicerce:")).map((r) => r.urn);
            assert.deepEqual(components.sort(), [
                "urn:pulumi:dev::shop::alicerce:aws:Database::orders",
                "urn:pulumi:dev::shop::alicerce:aws:LoadBalancer::storefront",
                "urn:pulumi:dev::shop::alicerce:digitalocean:Cache::queue",
            ]);
        });

        it("the database: its subnet group, security group, ingress rule and key come from the program's resources", () => {
            const vpc = state(one("aws:ec2/vpc:Vpc", "shop"));
            const subnets = ["us-east-1a", "us-east-1b"].map((az) => state(one("aws:ec2/subnet:Subnet", `shop-data-${az}`)).id);
            const appSg = state(one("aws:ec2/securityGroup:SecurityGroup", "shop-app"));
            const key = state(one("aws:kms/key:Key", "shop"));
            assert.deepEqual(one("aws:rds/subnetGroup:SubnetGroup", "orders-subnets").inputs.subnetIds, subnets);
            assert.equal(one("aws:ec2/securityGroup:SecurityGroup", "orders-sg").inputs.vpcId, vpc.id);
            const ingress = one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "orders-from-app");
            assert.equal(ingress.inputs.referencedSecurityGroupId, appSg.id);
            assert.equal(ingress.inputs.fromPort, 5432);
            const primary = one("aws:rds/instance:Instance", "orders-primary");
            assert.equal(primary.inputs.kmsKeyId, key.arn);
            assert.equal(primary.inputs.storageEncrypted, true);
            assert.equal(primary.inputs.identifier, "shop-orders");
            assert.equal(run.outputs.dbHost, state(primary).address);
        });

        it("the load balancer: public subnets, security group and access-log bucket come from the program's resources", () => {
            const subnets = ["us-east-1a", "us-east-1b"].map((az) => state(one("aws:ec2/subnet:Subnet", `shop-public-${az}`)).id);
            const alb = one("aws:lb/loadBalancer:LoadBalancer", "storefront-alb");
            assert.deepEqual(alb.inputs.subnets, subnets);
            assert.equal(alb.inputs.accessLogs.bucket, state(one("aws:s3/bucket:Bucket", "shop-lb-logs")).bucket);
            assert.equal(one("aws:ec2/securityGroup:SecurityGroup", "storefront-sg").inputs.vpcId, state(one("aws:ec2/vpc:Vpc", "shop")).id);
        });

        it("the cache: VPC, firewall tags and cluster tags come from the program's resources", () => {
            const appTag = state(one("digitalocean:index/tag:Tag", "shop-app")).name;
            const workerTag = state(one("digitalocean:index/tag:Tag", "shop-worker")).name;
            assert.ok(typeof appTag === "string" && typeof workerTag === "string");
            const cluster = one("digitalocean:index/databaseCluster:DatabaseCluster", "queue-cluster");
            assert.equal(cluster.inputs.privateNetworkUuid, state(one("digitalocean:index/vpc:Vpc", "shop")).id);
            assert.deepEqual(cluster.inputs.tags, ["team:payments", `served-by:${appTag}`, `served-by:${workerTag}`]);
            const rules = one("digitalocean:index/databaseFirewall:DatabaseFirewall", "queue-firewall").inputs.rules;
            assert.deepEqual(
                rules.map((r: any) => [r.type, r.value]),
                [
                    ["tag", appTag],
                    ["tag", workerTag],
                ],
            );
        });
    });
});
