/**
 * The URNs a resource answers to, as the Pulumi engine computes them: its
 * own URN, each alias it declares, and, for every alias of its parent (the
 * parent's own and inherited ones, recursively), the URN it had under that
 * parent. A child whose name starts with its parent's name has that prefix
 * swapped for the aliased parent's name.
 *
 * Source: pulumi/pulumi `pkg/resource/deploy/step_generator.go`
 * (`generateAliases`, `inheritedChildAlias`) and the Node SDK's
 * `sdk/nodejs/resource.ts` (`inheritedChildAlias`, `allAliases`, `createUrn`).
 */
import type { AliasSpec, RecordedResource } from "./index";

/** `urn:pulumi:<stack>::<project>::<qualified type>::<name>` */
function parts(urn: string): { stack: string; project: string; qualifiedType: string; type: string; name: string } {
    const [prefix, project, qualifiedType, ...rest] = urn.split("::");
    const types = qualifiedType.split("$");
    return { stack: prefix.replace(/^urn:pulumi:/, ""), project, qualifiedType, type: types[types.length - 1], name: rest.join("::") };
}

/** The URN of `name`/`type` under `parentUrn` (no parent, or the stack itself: at the root). */
export function makeUrn(stack: string, project: string, type: string, name: string, parentUrn?: string): string {
    const parent = parentUrn ? parts(parentUrn) : undefined;
    const qualified = parent && parent.qualifiedType !== "pulumi:pulumi:Stack" ? `${parent.qualifiedType}$${type}` : type;
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

function specUrn(resource: RecordedResource, spec: AliasSpec): string {
    if (spec.urn) return spec.urn;
    const own = parts(resource.urn);
    const parentUrn = spec.noParent ? undefined : (spec.parentUrn ?? resource.parent);
    return makeUrn(spec.stack ?? own.stack, spec.project ?? own.project, spec.type ?? own.type, spec.name ?? own.name, parentUrn);
}

/**
 * Every URN under which the engine matches `resource` to a resource in the
 * state: its URN first, then its aliases and those inherited from its parents.
 */
export function aliasUrns(resource: RecordedResource, byUrn: ReadonlyMap<string, RecordedResource>, memo = new Map<string, string[]>()): string[] {
    const cached = memo.get(resource.urn);
    if (cached) return cached;
    const own = resource.aliases.map((spec) => specUrn(resource, spec));
    const result = new Set<string>([resource.urn, ...own]);
    const parent = resource.parent ? byUrn.get(resource.parent) : undefined;
    if (parent) {
        const parentAliases = aliasUrns(parent, byUrn, memo).slice(1);
        const me = parts(resource.urn);
        for (const parentAlias of parentAliases) {
            // The child under the aliased parent, with its own name and each aliased name.
            for (const childUrn of [resource.urn, ...own]) {
                const child = parts(childUrn);
                const name = child.name.startsWith(parent.name) ? parts(parentAlias).name + child.name.slice(parent.name.length) : child.name;
                result.add(makeUrn(me.stack, me.project, child.type, name, parentAlias));
            }
        }
    }
    const list = [...result];
    memo.set(resource.urn, list);
    return list;
}
