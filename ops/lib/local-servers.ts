import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";

/**
 * An S3-compatible server on loopback (s3rver, a devDependency) in its own
 * process, for the tests and the migration benchmark: never a product path.
 * Its fixed key is S3RVER/S3RVER. With `tls`, it serves HTTPS with a
 * throwaway self-signed certificate for 127.0.0.1 (`certFile`): restic's S3
 * backend signs plain-HTTP uploads with aws-chunked streaming, which s3rver
 * stores undecoded; over TLS it sends plain bodies, as against real S3.
 */
export class LocalS3 {
    private constructor(
        private readonly child: ChildProcess,
        /** `http(s)://127.0.0.1:<port>` */
        readonly endpoint: string,
        /** The certificate to trust (SSL_CERT_FILE), with `tls`. */
        readonly certFile?: string,
    ) {}

    /**
     * `serviceEndpoint`: the domain under which it takes virtual-hosted requests
     * (`<bucket>.s3.<serviceEndpoint>`, as Spaces gets them); reach it through
     * HTTP_PROXY=`endpoint` then, since such names do not resolve here.
     */
    static async start(dir: string, o: { tls?: boolean; buckets?: readonly string[]; serviceEndpoint?: string } = {}): Promise<LocalS3> {
        fs.mkdirSync(dir, { recursive: true });
        const env: Record<string, string> = {
            S3_DIR: path.join(dir, "data"),
            S3_BUCKETS: JSON.stringify((o.buckets ?? []).map((name) => ({ name }))),
            S3_SERVICE_ENDPOINT: o.serviceEndpoint ?? "amazonaws.com",
        };
        let certFile: string | undefined;
        if (o.tls) {
            certFile = path.join(dir, "cert.pem");
            env.S3_KEY = path.join(dir, "key.pem");
            env.S3_CERT = certFile;
            execFileSync(
                "openssl",
                [
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-keyout",
                    env.S3_KEY,
                    "-out",
                    certFile,
                    "-days",
                    "1",
                    "-subj",
                    "/CN=127.0.0.1",
                    "-addext",
                    "subjectAltName=IP:127.0.0.1",
                ],
                { stdio: "ignore", timeout: 30_000 },
            );
        }
        const program = `
            const S3rver = require("s3rver"); const fs = require("fs"); const e = process.env;
            const tls = e.S3_KEY ? { key: fs.readFileSync(e.S3_KEY), cert: fs.readFileSync(e.S3_CERT) } : {};
            new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: e.S3_DIR, configureBuckets: JSON.parse(e.S3_BUCKETS), serviceEndpoint: e.S3_SERVICE_ENDPOINT, ...tls })
                .run().then((a) => console.log(JSON.stringify(a)), (err) => { console.error(err); process.exit(1); });`;
        const child = spawn(process.execPath, ["-e", program], {
            cwd: path.join(__dirname, "..", ".."),
            env: { ...process.env, ...env },
            stdio: ["ignore", "pipe", "inherit"],
        });
        const port = await new Promise<number>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error("s3rver did not start in 20 s")), 20_000);
            child.once("exit", (code) => reject(new Error(`s3rver exited with ${code}`)));
            child.stdout!.once("data", (line: Buffer) => {
                clearTimeout(timer);
                resolve((JSON.parse(line.toString()) as net.AddressInfo).port);
            });
        });
        return new LocalS3(child, `${o.tls ? "https" : "http"}://127.0.0.1:${port}`, certFile);
    }

    stop(): void {
        this.child.kill();
    }
}

/**
 * A database with the shapes that break naive copies: bytea, jsonb, numeric,
 * timestamptz, text with quotes and newlines, NULLs, a second schema, a
 * foreign key; `scale` rows per 1000 in the main table.
 */
export function seedSql(scale: number): string {
    const n = Math.max(1, Math.round(scale));
    return `
CREATE TABLE customers (id bigserial PRIMARY KEY, name text NOT NULL, profile jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT '2026-01-01T00:00:00Z');
CREATE TABLE documents (id bigserial PRIMARY KEY, customer_id bigint REFERENCES customers(id), title text, body bytea, size numeric(12,2));
CREATE TABLE events (id bigserial PRIMARY KEY, at timestamptz NOT NULL, kind text NOT NULL, payload jsonb, amount double precision);
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (number text PRIMARY KEY, customer_id bigint REFERENCES customers(id), total numeric(14,2) NOT NULL, lines jsonb, paid boolean);
CREATE TABLE empty_table (id int);
INSERT INTO customers (name, profile, created_at)
  SELECT 'Customer ' || g || CASE WHEN g % 7 = 0 THEN E' "quoted"\\nline' ELSE '' END,
         jsonb_build_object('tier', g % 3, 'tags', jsonb_build_array('a', g), 'nested', jsonb_build_object('x', g * 1.5, 'n', NULL)),
         '2026-01-01T00:00:00Z'::timestamptz + g * interval '17 minutes'
    FROM generate_series(1, ${n * 1000}) g;
INSERT INTO documents (customer_id, title, body, size)
  SELECT 1 + g % ${n * 1000}, CASE WHEN g % 5 = 0 THEN NULL ELSE 'doc ' || g END,
         decode(repeat(md5(g::text), 8), 'hex') || '\\x00ff00'::bytea, g * 3.25
    FROM generate_series(1, ${n * 400}) g;
INSERT INTO events (at, kind, payload, amount)
  SELECT '2026-02-01T00:00:00Z'::timestamptz + g * interval '1 second', (ARRAY['login','upload','pay'])[1 + g % 3],
         CASE WHEN g % 4 = 0 THEN NULL ELSE jsonb_build_object('g', g, 'ok', g % 2 = 0) END, g / 7.0
    FROM generate_series(1, ${n * 3000}) g;
INSERT INTO billing.invoices (number, customer_id, total, lines, paid)
  SELECT 'INV-' || lpad(g::text, 8, '0'), 1 + g % ${n * 1000}, g * 10.01, jsonb_build_array(jsonb_build_object('sku', 'S' || g, 'qty', g % 9)), g % 2 = 0
    FROM generate_series(1, ${n * 200}) g;
`;
}
