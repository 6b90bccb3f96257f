/**
 * The pack under CrossGuard itself: starts policies/ exactly as
 * `pulumi preview --policy-pack policies` does (Pulumi's run-policy-pack
 * host, ts-node type-checking with policies/tsconfig.json), sends it a stack
 * over the analyzer gRPC protocol the engine speaks, and checks that it
 * reports what the offline runner reports.
 */
import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { ROOT } from "../../offline";
import { runPolicies, stackProperties } from "../../offline/policies";
import { POLICIES } from "../pack";
import { compliantStack, Rec } from "./fixtures";

const LEVELS: Record<number, string> = { [analyzer.EnforcementLevel.ADVISORY]: "advisory", [analyzer.EnforcementLevel.MANDATORY]: "mandatory" };

/** Starts the pack's analyzer server; resolves with its port. */
function startPack(): Promise<{ child: ChildProcess; port: string }> {
    const host = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [path.join(ROOT, "policies")] });
    const child = spawn(process.execPath, [host, "127.0.0.1:1", "."], { cwd: path.join(ROOT, "policies"), stdio: ["ignore", "pipe", "pipe"] });
    return new Promise((resolve, reject) => {
        let err = "";
        child.stderr.on("data", (d) => (err += d));
        child.stdout.once("data", (d) => resolve({ child, port: String(d).trim() }));
        child.once("exit", (code) => reject(new Error(`the policy pack exited with ${code}:\n${err}`)));
    });
}

function resourceMessage(r: Rec, props: Record<string, unknown>, providers: Map<string, Rec>): analyzer.AnalyzerResource {
    const m = new analyzer.AnalyzerResource();
    m.setType(r.type)
        .setName(r.name)
        .setUrn(r.urn)
        .setProperties(Struct.fromJavaScript(props as any));
    m.setOptions(new analyzer.AnalyzerResourceOptions().setProtect(false));
    const p = r.provider ? providers.get(r.provider.slice(0, r.provider.lastIndexOf("::"))) : undefined;
    if (p) m.setProvider(new analyzer.AnalyzerProviderResource().setType(p.type).setName(p.name).setUrn(p.urn).setProperties(Struct.fromJavaScript(p.inputs)));
    if (r.parent) m.setParent(r.parent);
    m.setDependenciesList([...r.dependencies]);
    for (const [k, urns] of Object.entries(r.propertyDependencies))
        m.getPropertydependenciesMap().set(k, new analyzer.AnalyzerPropertyDependencies().setUrnsList([...urns]));
    return m;
}

describe("policy pack: under CrossGuard", function () {
    this.timeout(180_000);
    let pack: { child: ChildProcess; port: string } | undefined;
    before(async () => {
        pack = await startPack();
    });
    after(() => {
        pack?.child.kill();
    });

    it("loads as a policy pack and reports what the offline runner reports", async () => {
        const s = compliantStack("growth");
        s.f.remove(s.dataEncryption);
        s.f.remove(s.waf);
        s.db.inputs.publiclyAccessible = true;
        s.f.aws.inputs.defaultTags = JSON.stringify({ tags: { Project: "alicerce" } });
        const client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${pack!.port}`, grpc.credentials.createInsecure());
        const call = <Req, Res>(method: (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => void, req: Req) =>
            new Promise<Res>((resolve, reject) => method.call(client, req, (err, res) => (err ? reject(err) : resolve(res))));

        const providers = new Map(s.f.resources.filter((r) => r.type.startsWith("pulumi:providers:")).map((r) => [r.urn, r]));
        const seen: string[] = [];
        const record = (d: analyzer.AnalyzeDiagnostic, urn: string) =>
            seen.push(`${LEVELS[d.getEnforcementlevel()]} ${d.getPolicyname()} ${urn} ${d.getMessage()}`);
        for (const r of s.f.resources) {
            const m = resourceMessage(r, r.inputs, providers);
            const req = new analyzer.AnalyzeRequest()
                .setType(m.getType())
                .setName(m.getName())
                .setUrn(m.getUrn())
                .setProperties(m.getProperties())
                .setOptions(m.getOptions());
            if (m.hasProvider()) req.setProvider(m.getProvider());
            const res = await call<analyzer.AnalyzeRequest, analyzer.AnalyzeResponse>(client.analyze, req);
            res.getDiagnosticsList().forEach((d) => record(d, r.urn));
        }
        const stackRequest = new analyzer.AnalyzeStackRequest().setResourcesList(
            s.f.resources.map((r) => resourceMessage(r, stackProperties(r, s.f.input), providers)),
        );
        const stackResponse = await call<analyzer.AnalyzeStackRequest, analyzer.AnalyzeResponse>(client.analyzeStack, stackRequest);
        stackResponse.getDiagnosticsList().forEach((d) => record(d, d.getUrn()));
        client.close();

        const description = new Map(POLICIES.map((p) => [p.name, p.description]));
        const offline = (await runPolicies(s.f.input)).map((v) => `${v.level} ${v.policy} ${v.urn} ${description.get(v.policy)}\n${v.message}`);
        assert.ok(offline.length >= 10, `the scenario should violate several policies, got ${offline.length}`);
        assert.deepEqual([...seen].sort(), [...offline].sort());
    });
});
