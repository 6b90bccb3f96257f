/**
 * Where the alicerce package's own files are (the app image's build context,
 * the backup image, the storage setup script): the nearest folder above the
 * module that holds a `package.json`. The same folder whether the module runs
 * from source (`components/docker/app.ts`) or from the compiled package entry
 * (`bin/components/docker/app.js`, loaded by another program through
 * `alicerce/components`), so asset paths hold in both layouts.
 */
import * as fs from "fs";
import * as path from "path";

/** The nearest folder at or above `dir` that holds a `package.json`. */
export function packageRootOf(dir: string): string {
    for (let at = path.resolve(dir); ; at = path.dirname(at)) {
        if (fs.existsSync(path.join(at, "package.json"))) return at;
        if (path.dirname(at) === at) throw new Error(`no package.json above ${dir}`);
    }
}

/** The alicerce package's root folder. */
export const PACKAGE_ROOT = packageRootOf(__dirname);
